/**
 * Encodings between the three spellings of a path the router meets:
 * - decoded: `PATH_INFO`, `SCRIPT_NAME` and the text of patterns (`/café/a b`);
 * - segment form: decoded, except that a `/` inside a segment is `%2F` and a `%` is `%25`,
 *   so that splitting on `/` gives the segments the client sent (see segment-path.ts);
 * - URL: percent-encoded, ready for a link or a `Location` header.
 */

const SEGMENT_ESCAPES = /%2[5F]/g;
// Characters RFC 3986 allows unencoded in a path (pchar and `/`).
const URL_PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const QUERY_OR_FRAGMENT = /[?#]/g;
const DOUBLE_ESCAPED = /%25(25|2F)/g;

/** Decodes segment form: `%2F` → `/`, `%25` → `%`. */
export function decodeSegment(value: string): string {
  return value.indexOf('%') === -1 ? value : value.replace(SEGMENT_ESCAPES, unescapeOne);
}

function unescapeOne(sequence: string): string {
  return sequence === '%25' ? '%' : '/';
}

/** Writes decoded text in segment form, where it may not hold a `/` of its own: `%` → `%25`. */
export function escapePercent(text: string): string {
  return text.indexOf('%') === -1 ? text : text.replaceAll('%', '%25');
}

/** Writes one decoded segment in segment form: `%` → `%25`, `/` → `%2F`. */
export function toSegment(decoded: string): string {
  return escapePercent(decoded).replaceAll('/', '%2F');
}

function encodeQueryOrFragment(char: string): string {
  return char === '?' ? '%3F' : '%23';
}

/**
 * A decoded path (or pattern text) as a URL path: every character a path may not hold is
 * percent-encoded, `/` stays a separator. Throws `URIError` for text that is not well-formed Unicode.
 */
export function encodePath(path: string): string {
  if (URL_PATH_SAFE.test(path)) return path;
  return encodeURI(path).replace(QUERY_OR_FRAGMENT, encodeQueryOrFragment);
}

/** A segment-form path as a URL path: like {@link encodePath}, keeping `%2F` inside its segment. */
export function segmentPathToUrl(path: string): string {
  if (URL_PATH_SAFE.test(path)) return path;
  // encodeURI turns the escapes `%25` and `%2F` into `%2525` and `%252F`: undo just that.
  return encodeURI(path).replace(DOUBLE_ESCAPED, '%$1').replace(QUERY_OR_FRAGMENT, encodeQueryOrFragment);
}
