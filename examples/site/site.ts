import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '@tsgi/core';
import {
  accessLog,
  builder,
  compose,
  compress,
  csrf,
  errors,
  type LogStream,
  serveStatic,
} from '@tsgi/middleware';
import { memoryStore, type SessionStore, session } from '@tsgi/middleware/session';
import { Accounts } from './accounts.js';
import { sitePages } from './error-pages.js';
import { siteRoutes } from './routes.js';
import { securityHeaders } from './security-headers.js';
import { memoryStorage, type Storage } from './storage.js';
import type { NavLink } from './views/layout.js';

/** Where the stylesheet and the logo are. */
export const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

/** Options of {@link createSite}. */
export interface SiteOptions {
  /** Session keys, `[current, ...older]`, each at least 32 bytes. */
  readonly keys: readonly string[];
  /** Users and entries. Default: in memory. */
  readonly storage?: Storage;
  /** Sessions. Default: `memoryStore()`. */
  readonly store?: SessionStore;
  /** The access log's stream (one line per request), or false for none. Default: standard output. */
  readonly log?: LogStream | false;
  /** Apps mounted beside the site, linked from its header (examples/mount). */
  readonly links?: readonly NavLink[];
}

/**
 * The guestbook as one app, the middleware in the order a request meets it: the access log,
 * the error boundary, security headers (a strict Content-Security-Policy), compression (gzip or brotli, as the browser asks), then the static files
 * (no session for those) and the pages: a session, the site's own error pages, the CSRF check
 * on every form, the router. (Compressed pages are safe from BREACH here: the one secret on
 * them, the CSRF token, is masked afresh on every response.)
 * @example await serve(createSite({ keys: [process.env.SESSION_KEY!] }), { port: 8000 });
 */
export function createSite(options: SiteOptions): App {
  const storage = options.storage ?? memoryStorage();
  const links = options.links ?? [];
  const pages = compose(
    session({ keys: options.keys, store: options.store ?? memoryStore() }),
    sitePages(links), // inside session(): the layout shows who is signed in; outside csrf(): its 403 too
    csrf(),
  )(siteRoutes({ accounts: new Accounts(storage), storage, links }));
  const site = builder();
  if (options.log !== false) site.use(accessLog({ stream: options.log ?? process.stdout }));
  return site
    .use(errors())
    .use(securityHeaders())
    .use(compress())
    .mount('/static', serveStatic(STATIC_DIR, { maxAge: 3600 }))
    .run(pages);
}
