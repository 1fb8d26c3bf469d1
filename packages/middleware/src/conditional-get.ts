import { type Captured, type Environ, type Middleware, mapResponse } from '@tsgi/core';
import { parseEntityTags, parseHttpDate, weakMatch } from './entity-tags.js';

// What a 304 drops: the representation's own metadata and framing (RFC 9110 §15.4.5 keeps
// Cache-Control, Content-Location, Date, ETag, Expires and Vary; Set-Cookie and the like stay).
const DROPPED = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'content-disposition',
  'content-md5',
]);

/** True when the client's cached copy is current: `If-None-Match`, else `If-Modified-Since`. */
function notModified(environ: Environ, response: Captured): boolean {
  const ifNoneMatch = environ.HTTP_IF_NONE_MATCH;
  if (ifNoneMatch !== undefined) {
    const tags = parseEntityTags(ifNoneMatch);
    const etag = response.getHeader('ETag');
    if (tags === null || etag === undefined) return false;
    return tags === '*' || tags.some((tag) => weakMatch(tag, etag));
  }
  const since = parseHttpDate(environ.HTTP_IF_MODIFIED_SINCE);
  const modified = parseHttpDate(response.getHeader('Last-Modified'));
  return since !== undefined && modified !== undefined && modified <= since;
}

/**
 * Answers `304 Not Modified` to a GET or HEAD whose cached copy is current, as
 * `Rack::ConditionalGet` does: when a 200's `ETag` matches `If-None-Match` (weak comparison),
 * or, without `If-None-Match`, when its `Last-Modified` is not after `If-Modified-Since`. The
 * 304 has no body (the app's is closed unsent) and keeps the headers RFC 9110 keeps
 * (`ETag`, `Cache-Control`, `Vary`, `Date`, `Expires`, `Content-Location`; cookies too),
 * dropping `Content-Type`, `Content-Length` and the representation's other `Content-*`
 * (encoding, language, range, disposition, MD5; `Content-Security-Policy` stays). Malformed
 * conditional headers are ignored (a malformed `If-None-Match` still outranks
 * `If-Modified-Since`, as RFC 9110 §13.2.2 says). No options.
 *
 * When not to use it: for unsafe methods (PUT, DELETE…) use `checkPreconditions()` in the
 * app, before it changes anything; and it saves bandwidth only — the app still ran: put
 * `etag()` inside it, or send validators from the app, to give it something to compare.
 * @example
 * serve(compose(conditionalGet(), etag())(app));
 */
export function conditionalGet(): Middleware {
  return mapResponse((response, environ) => {
    const method = environ.REQUEST_METHOD;
    if ((method !== 'GET' && method !== 'HEAD') || response.code !== 200) return;
    if (!notModified(environ, response)) return;
    response.status = '304 Not Modified';
    for (const [name] of response.headers) if (DROPPED.has(name.toLowerCase())) response.deleteHeader(name);
    response.replaceBody([]);
  });
}
