import type { Environ } from './types.js';

/**
 * The request-target as the app mounted at `SCRIPT_NAME` sees it: its path within the mount,
 * still percent-encoded as received (so `%2F` stays `%2F`), then `?` and the query, if any.
 * An adapter hands this to a framework that expects to be at the root (a fetch handler, Express).
 * @example targetWithinMount({ SCRIPT_NAME: '/api', PATH_INFO: '/users/1', QUERY_STRING: 'x=1', … }) // '/users/1?x=1'
 */
export function targetWithinMount(environ: Environ): string {
  const query = environ.QUERY_STRING;
  return `${pathWithinMount(environ) || '/'}${query ? `?${query}` : ''}`;
}

/** `PATH_INFO` as received, still percent-encoded; `''` at the mount point itself. */
export function pathWithinMount(environ: Environ): string {
  return rawPathWithinMount(environ) ?? encodePath(environ.PATH_INFO);
}

/**
 * The part of `tsgi.raw_uri` below the mount: as many segments as `SCRIPT_NAME` has are cut off.
 * Null when the raw target does not decode to exactly `PATH_INFO` (a middleware rewrote the path).
 */
function rawPathWithinMount(environ: Environ): string | null {
  const raw = environ['tsgi.raw_uri'];
  if (typeof raw !== 'string' || raw.charCodeAt(0) !== 47 /* / */) return null;
  const mark = raw.indexOf('?');
  const path = mark === -1 ? raw : raw.slice(0, mark);
  let cut = 0;
  for (let depth = segments(environ.SCRIPT_NAME); depth > 0 && cut !== -1; depth--) {
    cut = path.indexOf('/', cut + 1);
  }
  const rest = cut === -1 ? '' : path.slice(cut);
  return safeDecode(rest) === environ.PATH_INFO ? rest : null;
}

function segments(scriptName: string): number {
  let count = 0;
  for (let i = 0; i < scriptName.length; i++) if (scriptName.charCodeAt(i) === 47) count++;
  return count;
}

function safeDecode(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** Percent-encodes a decoded path, segment by segment (`/` stays a separator). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
