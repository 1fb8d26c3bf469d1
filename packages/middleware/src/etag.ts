import { createHash } from 'node:crypto';
import { andThen, type Buffered, bufferBody, type Captured, type Middleware, mapResponse } from '@tsgi/core';

/** Options of {@link etag}. */
export interface EtagOptions {
  /** The largest body, in bytes, read whole to tag it; a larger one passes untagged. Default 1 MiB. */
  max?: number;
}

/**
 * Gives a 200 response to GET a weak `ETag` hashed from its body (SHA-1, base64url),
 * when it has none, as `Rack::ETag` does. The header goes before the body, so the body is read
 * whole first — buffering by design (the validator is told) — up to `max` bytes; a longer body
 * is sent on untouched and untagged, whole. The tag is weak: it says the same bytes, not the
 * same encoding (a compressor may change it). Other methods (HEAD too: its
 * body may be empty; put `head()` outside to tag HEAD as GET), non-200 and `no-store` responses pass.
 * Defaults: `max: 1048576`.
 *
 * When not to use it: on streams (server-sent events, large downloads) — they are read whole
 * before a byte is sent, up to `max`; when the app can say the version itself (a revision, a
 * file's mtime and size), send that ETag: it costs no hashing.
 * @example
 * serve(compose(conditionalGet(), etag({ max: 256 * 1024 }))(app));
 */
export function etag(options: EtagOptions = {}): Middleware {
  if (options === null || typeof options !== 'object') throw new TypeError('etag: options must be an object');
  const max = options.max ?? 1024 * 1024;
  if (!Number.isSafeInteger(max) || max < 0)
    throw new TypeError(`etag: max must be a non-negative integer, got ${String(max)}`);
  return mapResponse((response, environ) => {
    // not HEAD: its body may be empty, and the tag of no bytes is not the GET's tag
    if (environ.REQUEST_METHOD !== 'GET' || response.code !== 200) return;
    if (response.getHeader('ETag') !== undefined) return;
    if (/\bno-store\b/i.test(response.getHeader('Cache-Control') ?? '')) return;
    let reading: Buffered | Promise<Buffered>;
    try {
      reading = bufferBody(response.body, max);
    } catch (error) {
      response.body = []; // bufferBody closed it: mapResponse must not close it again
      throw error;
    }
    if (reading instanceof Promise) {
      reading = reading.catch((error: unknown) => {
        response.body = [];
        throw error;
      });
    }
    return andThen(reading, (read: Buffered): Captured | undefined => {
      if (!read.complete) {
        response.body = read.body;
        return;
      }
      const hash = createHash('sha1').update(read.bytes).digest('base64url').slice(0, 27);
      response.setHeader('ETag', `W/"${hash}"`);
      response.body = [read.bytes]; // the source was closed by bufferBody
      return;
    });
  });
}
