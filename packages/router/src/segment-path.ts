import type { Environ } from '@tsgi/core';
import { escapePercent, toSegment } from './encode.js';

/**
 * The path a router matches, in "segment form" (see encode.ts): `PATH_INFO`, except that a
 * slash the client sent as `%2F` is still `%2F` (and a `%` is `%25`).
 *
 * Why: `PATH_INFO` is decoded, so `/files/a%2Fb` arrives as `/files/a/b` and a `:name`
 * parameter could never hold `a/b`. The raw request-target (`tsgi.raw_uri`) still has the
 * `%2F`, but it is relative to the server root, not to this router's mount point. So:
 * - without `%2F` in the raw path (nearly always), the segment form is `PATH_INFO` itself
 *   (with `%` written `%25`) and costs nothing;
 * - with one, the raw path is split into segments, and the part after `SCRIPT_NAME` is
 *   found by decoding — and used only if it decodes to `PATH_INFO` exactly (a middleware
 *   that rewrote the path makes `PATH_INFO` the truth again);
 * - a router that mounts an app hands the rest of its segment path down in
 *   `router.segment_path`, together with the `PATH_INFO` it belongs to, so nested routers
 *   do not redo the work and a stale value is never used.
 */
export const SEGMENT_PATH_KEY = 'router.segment_path';

/** What a mounting router leaves for the routers below it. */
export interface SegmentPathState {
  /** The `SCRIPT_NAME` this state describes: `script` is ignored once `SCRIPT_NAME` changed. */
  readonly scriptName: string;
  /** That `SCRIPT_NAME` in segment form. */
  readonly script: string;
  /** The `PATH_INFO` this state describes: `path` is ignored once `PATH_INFO` changed. */
  readonly pathInfo: string;
  /** That `PATH_INFO` in segment form. */
  readonly path: string;
}

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i;

/** The router's view of `environ.PATH_INFO`, in segment form. */
export function segmentPath(environ: Environ): string {
  const pathInfo = environ.PATH_INFO;
  const state = environ[SEGMENT_PATH_KEY] as SegmentPathState | undefined;
  if (state !== undefined && state.pathInfo === pathInfo) return state.path;
  const raw = environ['tsgi.raw_uri'];
  if (typeof raw === 'string' && hasEncodedSlash(raw)) {
    const aligned = alignRawPath(raw, environ.SCRIPT_NAME, pathInfo);
    if (aligned !== undefined) return aligned.path;
  }
  return escapePercent(pathInfo);
}

/** `environ.SCRIPT_NAME` in segment form: where links to the mounted app start. */
export function segmentScriptName(environ: Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ>): string {
  const scriptName = environ.SCRIPT_NAME;
  const state = environ[SEGMENT_PATH_KEY] as SegmentPathState | undefined;
  if (state !== undefined && state.scriptName === scriptName) return state.script;
  const raw = environ['tsgi.raw_uri'];
  if (typeof raw === 'string' && typeof environ.PATH_INFO === 'string' && hasEncodedSlash(raw)) {
    const aligned = alignRawPath(raw, scriptName, environ.PATH_INFO);
    if (aligned !== undefined) return aligned.script;
  }
  return escapePercent(scriptName);
}

/** True when the path part of a request-target holds `%2F` or `%2f`. */
function hasEncodedSlash(target: string): boolean {
  const query = target.indexOf('?');
  const end = query === -1 ? target.length : query;
  for (let i = target.indexOf('%'); i !== -1 && i < end; i = target.indexOf('%', i + 1)) {
    const slash =
      target.charCodeAt(i + 1) === 50 /* 2 */ && (target.charCodeAt(i + 2) | 0x20) === 102; /* f or F */
    if (slash) return true;
  }
  return false;
}

/** The raw path split at the end of `scriptName`, in segment form, if the rest decodes to `pathInfo`. */
function alignRawPath(
  target: string,
  scriptName: string,
  pathInfo: string,
): { script: string; path: string } | undefined {
  let raw = target;
  const query = raw.indexOf('?');
  if (query !== -1) raw = raw.slice(0, query);
  if (raw.charCodeAt(0) !== 47 /* / */) {
    const absolute = ABSOLUTE_FORM.exec(raw);
    if (absolute === null) return undefined;
    raw = raw.slice(absolute[0].length) || '/';
  }
  const rawSegments = raw.split('/'); // [0] is the '' before the leading slash
  const decoded: string[] = [];
  try {
    for (const segment of rawSegments) decoded.push(decodeURIComponent(segment));
  } catch {
    return undefined; // not ours to judge: the server decided PATH_INFO
  }
  let prefix = '';
  for (let k = 0; k < decoded.length && prefix.length <= scriptName.length; k++) {
    if (k > 0) prefix += `/${decoded[k]}`;
    if (prefix !== scriptName) continue;
    const rest = decoded.slice(k + 1);
    if ((rest.length === 0 ? '' : `/${rest.join('/')}`) !== pathInfo) continue;
    return { script: join(decoded.slice(1, k + 1)), path: join(rest) };
  }
  return undefined;
}

/** Decoded segments as a segment-form path: `['a/b', 'c']` → `/a%2Fb/c`; none → `''`. */
function join(segments: readonly string[]): string {
  return segments.length === 0 ? '' : `/${segments.map(toSegment).join('/')}`;
}
