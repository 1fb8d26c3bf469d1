import { type Environ, rawPathInfo, rawScriptName } from '@tsgi/core';
import { escapePercent, rawToSegmentPath } from './encode.js';

/**
 * The path a router matches, in "segment form" (see encode.ts): `PATH_INFO`, except that a
 * slash the client sent as `%2F` is still `%2F` (and a `%` is `%25`).
 *
 * Why: `PATH_INFO` is decoded, so `/files/a%2Fb` arrives as `/files/a/b` and a `:name`
 * parameter could never hold `a/b`. So:
 * - without `%2F` in the raw request-target (nearly always), the segment form is `PATH_INFO`
 *   itself (with `%` written `%25`) and costs nothing;
 * - with one, it is made from core's `rawPathInfo(environ)`: the path below `SCRIPT_NAME` as
 *   the client spelled it (core finds where the mount point ends in the raw target, even when
 *   the mount point holds a `%2F` of its own, and falls back to `PATH_INFO` when a middleware
 *   rewrote the path).
 */
export function segmentPath(environ: Environ): string {
  if (hasEncodedSlash(environ['tsgi.raw_uri'])) return rawToSegmentPath(rawPathInfo(environ));
  return escapePercent(environ.PATH_INFO);
}

/**
 * `PATH_INFO` when neither it nor the raw request-target holds a `%` (nearly every request):
 * then it is its own segment form, with nothing to escape or to decode, and {@link segmentPath}
 * need not run. Else undefined. One scan of each string instead of four (count bench: see RouteTable.dispatch),
 * and of one when they are the same string, as for `GET /user/42` (with startResponse's remembered
 * header values, see response-checks.ts: /user/42 59,130 -> 58,550 instructions a request).
 */
export function plainPath(environ: Environ): string | undefined {
  const target = environ['tsgi.raw_uri'];
  const path = environ.PATH_INFO;
  // the same string (a target without a query string, undecoded): one scan answers for both
  if (path !== target && typeof target === 'string' && target.indexOf('%') !== -1) return undefined;
  return path.indexOf('%') === -1 ? path : undefined;
}

/** `environ.SCRIPT_NAME` in segment form: where links to the mounted app start. */
export function segmentScriptName(environ: Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ>): string {
  if (typeof environ.PATH_INFO === 'string' && hasEncodedSlash(environ['tsgi.raw_uri'])) {
    return rawToSegmentPath(rawScriptName(environ as Environ));
  }
  return escapePercent(environ.SCRIPT_NAME);
}

/** True when the path part of a request-target holds `%2F` or `%2f`. */
function hasEncodedSlash(target: unknown): boolean {
  if (typeof target !== 'string') return false;
  const query = target.indexOf('?');
  const end = query === -1 ? target.length : query;
  for (let i = target.indexOf('%'); i !== -1 && i < end; i = target.indexOf('%', i + 1)) {
    const slash =
      target.charCodeAt(i + 1) === 50 /* 2 */ && (target.charCodeAt(i + 2) | 0x20) === 102; /* f or F */
    if (slash) return true;
  }
  return false;
}
