import type { Environ } from '../types.js';

/**
 * Mounting, as PEP 3333 describes it: an app mounted at `/blog` sees the `/blog` of the path
 * in `SCRIPT_NAME` and the rest in `PATH_INFO`, so it can build links under its mount point.
 * The router's `mount()` and the middleware's `urlMap()` both split here, so the two can never
 * disagree on where a mount point ends.
 */

/**
 * A mount prefix in its canonical form: `''` for the root (`''` or `'/'`), else starting with
 * `/` and without a trailing `/` (`'/api/'` is `'/api'`). Throws a TypeError naming `label`
 * for a prefix that does not start with `/` or holds CR, LF or NUL.
 * @example normalizeMountPrefix('/api/') // '/api'
 */
export function normalizeMountPrefix(prefix: string, label = 'prefix'): string {
  if (typeof prefix !== 'string') throw new TypeError(`${label} must be a string, got ${typeof prefix}`);
  if (prefix !== '' && !prefix.startsWith('/')) {
    throw new TypeError(`${label} must start with "/", got ${JSON.stringify(prefix)}`);
  }
  if (/[\r\n\0]/.test(prefix)) throw new TypeError(`${label} must not hold CR, LF or NUL`);
  return prefix.replace(/\/+$/, '');
}

/**
 * True when `prefix` (canonical, see {@link normalizeMountPrefix}) is whole leading segments
 * of `path`: `/api` matches `/api` and `/api/x`, never `/apix`; `''` matches every path.
 * @example matchesMountPrefix('/api/users', '/api') // true
 */
export function matchesMountPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || path.charCodeAt(prefix.length) === 47; /* / */
}

/**
 * Moves a mount point from `PATH_INFO` to `SCRIPT_NAME`, IN PLACE on `environ` (pass the copy
 * the mounted app gets): `scriptPart` (decoded, `''` or starting with `/`, not ending with
 * one) is appended to `SCRIPT_NAME`, and `PATH_INFO` becomes `rest` (`''` or starting with
 * `/`). Core's `rawPathInfo()` finds the same cut in `tsgi.raw_uri` again for the app below.
 * Returns `environ`.
 * @example moveToScriptName({ ...environ }, '/api', '/users') // SCRIPT_NAME '/api', PATH_INFO '/users'
 */
export function moveToScriptName(environ: Environ, scriptPart: string, rest: string): Environ {
  environ.SCRIPT_NAME = environ.SCRIPT_NAME + scriptPart;
  environ.PATH_INFO = rest;
  return environ;
}

/**
 * The environ an app mounted at `prefix` (canonical) gets for this request, a copy; or
 * undefined when `PATH_INFO` is not under `prefix` (whole segments only).
 * @example mountedEnviron(environ, '/api') // for PATH_INFO '/api/users': SCRIPT_NAME += '/api', PATH_INFO '/users'
 */
export function mountedEnviron(environ: Environ, prefix: string): Environ | undefined {
  const path = environ.PATH_INFO;
  if (!matchesMountPrefix(path, prefix)) return undefined;
  return moveToScriptName({ ...environ }, prefix, path.slice(prefix.length));
}

/** Why a path with a dot segment is refused (the 400's reason), the same from the router and urlMap. */
export const DOT_SEGMENT_REASON =
  'The path holds a `.` or `..` segment (perhaps percent-encoded): not dispatched';

/**
 * True when a decoded path (`PATH_INFO`) has a `.` or `..` segment: `/a/../b`, `/a/.`, `/..`.
 * The server decodes `PATH_INFO`, so `%2e%2e` and `a%2F..` arrive here as real dot segments,
 * and an app that joins the path (or a parameter taken from it) onto a folder would resolve
 * them. A backslash separates segments too (`/a\..\b`, from `%5C`): WHATWG URL (`fetch`,
 * `new URL`) and Windows paths take it for `/`, as the proxy's own check does. `/.well-known`,
 * `/...` and `/a..b` are names, not dot segments. The router and `urlMap()` refuse such a path
 * with a 400 (nginx resolves them and refuses those above the root; clients resolve them
 * before they send, so a client that sends one is not a browser). One indexOf on a path
 * without a `.`.
 * @example hasDotSegment('/api/../admin') // true
 */
export function hasDotSegment(path: string): boolean {
  for (let at = path.indexOf('.'); at !== -1; at = path.indexOf('.', at + 1)) {
    if (!isSeparator(path.charCodeAt(at - 1))) continue;
    let end = at + 1;
    if (path.charCodeAt(end) === 46 /* . */) end++;
    if (end === path.length || isSeparator(path.charCodeAt(end))) return true;
  }
  return false;
}

function isSeparator(code: number): boolean {
  return code === 47 /* / */ || code === 92; /* \ */
}
