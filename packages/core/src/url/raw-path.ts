import { targetPath } from '../http/syntax.js';
import type { Environ } from '../types.js';

/**
 * `SCRIPT_NAME` and `PATH_INFO` as the client spelled them, still percent-encoded.
 *
 * Why: both are decoded, so `/files/a%2Fb` arrives as `/files/a/b`, and an app mounted below
 * can no longer tell a `/` from a `%2F`. `tsgi.raw_uri` still has the `%2F`, but it spells the
 * whole path from the server's root, and a mount point may hold a `%2F` of its own
 * (`/t/:tenant` matched `/t/a%2Fb`), so counting slashes would cut it in the wrong place.
 * Instead the raw path is split into segments, each decoded, and cut where the decoded
 * segments spell `SCRIPT_NAME`; the rest is used only if it decodes to `PATH_INFO` exactly
 * (a middleware that rewrote the path makes the decoded values the truth again). Segments
 * never split a `%2F`, so there is at most one such cut.
 *
 * The result is cached under this key with the values it was computed from, so that copies of
 * the environ with other paths (a mount) never see a stale one.
 */
const RAW_PATH_KEY = 'core.raw_path';

interface RawPath {
  readonly target: unknown;
  readonly scriptName: string;
  readonly pathInfo: string;
  readonly rawScriptName: string;
  readonly rawPathInfo: string;
}

/**
 * `PATH_INFO` as received, still percent-encoded (`%2F` stays `%2F`): the path an app
 * mounted at `SCRIPT_NAME` would see if it were at the root; `''` at the mount point itself.
 * When `tsgi.raw_uri` does not decode to the paths (a middleware rewrote them), `PATH_INFO`
 * percent-encoded again.
 * @example rawPathInfo(environ) // '/x%2Fy' for a request to /t/a%2Fb/x%2Fy under a mount at /t/:tenant
 */
export function rawPathInfo(environ: Environ): string {
  return rawPath(environ).rawPathInfo;
}

/**
 * `SCRIPT_NAME` as received, still percent-encoded (see {@link rawPathInfo}).
 * @example rawScriptName(environ) // '/t/a%2Fb' for a request to /t/a%2Fb/x%2Fy under a mount at /t/:tenant
 */
export function rawScriptName(environ: Environ): string {
  return rawPath(environ).rawScriptName;
}

/**
 * The request-target as the app mounted at `SCRIPT_NAME` sees it: {@link rawPathInfo}, then `?`
 * and the query, if any. An adapter hands this to a framework that expects to be at the root
 * (a fetch handler, Express).
 * @example targetWithinMount({ SCRIPT_NAME: '/api', PATH_INFO: '/users/1', QUERY_STRING: 'x=1', … }) // '/users/1?x=1'
 */
export function targetWithinMount(environ: Environ): string {
  const query = environ.QUERY_STRING;
  return `${rawPathInfo(environ) || '/'}${query ? `?${query}` : ''}`;
}

function rawPath(environ: Environ): RawPath {
  const { SCRIPT_NAME: scriptName, PATH_INFO: pathInfo } = environ;
  const target: unknown = environ['tsgi.raw_uri'];
  const cached = environ[RAW_PATH_KEY] as RawPath | undefined;
  if (
    cached !== undefined &&
    cached.target === target &&
    cached.scriptName === scriptName &&
    cached.pathInfo === pathInfo
  ) {
    return cached;
  }
  const path = typeof target === 'string' ? targetPath(target) : null;
  const split = path === null ? undefined : splitRawPath(path, scriptName, pathInfo);
  const computed: RawPath = {
    target,
    scriptName,
    pathInfo,
    rawScriptName: split?.script ?? encodePath(scriptName),
    rawPathInfo: split?.path ?? encodePath(pathInfo),
  };
  environ[RAW_PATH_KEY] = computed;
  return computed;
}

/** The raw path cut where its decoded segments spell `scriptName`, if the rest decodes to `pathInfo`. */
function splitRawPath(
  raw: string,
  scriptName: string,
  pathInfo: string,
): { script: string; path: string } | undefined {
  if (!raw.includes('%')) {
    // nothing encoded: the raw path is the decoded one
    if (raw !== scriptName + pathInfo) return undefined;
    return { script: scriptName, path: pathInfo };
  }
  const segments = raw.split('/'); // [0] is the '' before the leading slash
  let decoded = '';
  for (let k = 0; k < segments.length; k++) {
    if (k > 0) {
      const segment = safeDecode(segments[k] as string);
      if (segment === null) return undefined; // not ours to judge: the server decided PATH_INFO
      decoded += `/${segment}`;
    }
    if (decoded.length > scriptName.length) return undefined;
    if (decoded !== scriptName) continue;
    const script = segments.slice(0, k + 1).join('/');
    const path = raw.slice(script.length);
    return safeDecode(path) === pathInfo ? { script, path } : undefined;
  }
  return undefined;
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// Characters RFC 3986 allows unencoded in a path segment (pchar), and `/`.
const URL_PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const QUERY_OR_FRAGMENT = /[?#]/g;

function encodeQueryOrFragment(char: string): string {
  return char === '?' ? '%3F' : '%23';
}

/**
 * Percent-encodes a decoded path for a URL: every character a path segment may not hold
 * (RFC 3986 pchar) is encoded, `/` stays a separator, and `:@!$&'()*+,;=` stay as they are.
 * Throws `URIError` for text that is not well-formed Unicode.
 * @example encodePath('/café/a b?') // '/caf%C3%A9/a%20b%3F'
 */
export function encodePath(path: string): string {
  if (URL_PATH_SAFE.test(path)) return path;
  return encodeURI(path).replace(QUERY_OR_FRAGMENT, encodeQueryOrFragment);
}
