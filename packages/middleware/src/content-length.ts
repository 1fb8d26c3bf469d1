import { type Chunk, type Middleware, mapResponse } from '@tsgi/core';
import { isBodylessStatus } from '@tsgi/core/http';

/**
 * Adds `Content-Length` to a response whose body is an array of chunks (its length is known
 * without reading it) and that has none, as `Rack::ContentLength` does. Streaming bodies pass
 * untouched (they go out chunked); so do 1xx, 204 and 304 responses. No options; adds no
 * promise and no per-chunk work.
 *
 * When not to use it: tsgi's servers already send the length of an array body; use it where a
 * layer above needs to see the header (a cache, a proxy's logic) before the server does.
 * @example
 * serve(contentLength()(app));
 */
export function contentLength(): Middleware {
  return mapResponse((response) => {
    const body = response.body;
    if (!Array.isArray(body) || isBodylessStatus(response.code)) return;
    if (response.getHeader('Content-Length') !== undefined) return;
    response.setHeader('Content-Length', String(arrayByteLength(body as Chunk[])));
  });
}

/**
 * The bytes an array body sends (a string counts as its UTF-8 bytes); `head()` keeps it too.
 * @example arrayByteLength(['hello ', 'wörld']) // 12
 */
export function arrayByteLength(chunks: readonly Chunk[]): number {
  let length = 0;
  for (const chunk of chunks)
    length += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return length;
}
