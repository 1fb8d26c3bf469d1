import { type Environ, rawScriptName } from '@tsgi/core';
import { csrfToken, takeFlashes } from '@tsgi/middleware';
import { getSession } from '@tsgi/middleware/session';
import type { NavLink, PageContext } from './views/layout.js';

/**
 * What the layout needs from the request: the user, the flash messages (taken: shown once),
 * a fresh CSRF token, and the mount point every link starts with.
 */
export function pageContext(
  environ: Environ,
  links: readonly NavLink[],
  { flashes = true }: { flashes?: boolean } = {},
): PageContext {
  return {
    user: getSession(environ).userId,
    flashes: flashes ? takeFlashes(environ) : [],
    csrf: csrfToken(environ),
    base: rawScriptName(environ), // SCRIPT_NAME as the client sent it: still percent-encoded
    links,
  };
}
