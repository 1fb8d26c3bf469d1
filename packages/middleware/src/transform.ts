import {
  type Captured,
  type Chunk,
  type Environ,
  type Middleware,
  mapResponse,
  transformBody,
} from '@tsgi/core';

/** Turns the chunks of a body into others: an async generator of chunks in, of chunks out. */
export type ChunkTransform = (chunks: AsyncIterable<Chunk>) => AsyncIterable<Chunk>;

/** Options of {@link transform}. */
export interface TransformOptions {
  /** Decides from the status and headers whether to transform this response. Default: every one. */
  match?: (response: Captured, environ: Environ) => boolean;
  /**
   * Called before the headers go out: it may change them on `response`, and returns the
   * chunk transform to apply, or `undefined` to leave this body alone after all.
   */
  transform: (response: Captured, environ: Environ) => ChunkTransform | undefined;
  /** The transform never changes the byte count, so `Content-Length` may stay. Default false. */
  sameLength?: boolean;
}

/**
 * A streaming hook over response bodies, for post-processing of your own (rewriting,
 * injecting, counting). The body is never buffered unless your transform does so. The
 * response is left alone for HEAD, 1xx/204/304, 206 (a part of something), and
 * `Cache-Control: no-transform`. When it runs, `Content-Length` is dropped (unless
 * `sameLength`) and a strong `ETag` becomes weak (the bytes changed, the meaning did not).
 * The app's body is closed once in every outcome: finished, client gone, or an error.
 *
 * Not for a change that needs the whole body (XSLT, a digest): see `bufferBody`.
 * @example
 * const shout = transform({
 *   match: (response) => response.getHeader('Content-Type')?.startsWith('text/plain') === true,
 *   transform: () => async function* (chunks) {
 *     for await (const chunk of chunks) yield String(chunk).toUpperCase();
 *   },
 * });
 */
export function transform(options: TransformOptions): Middleware {
  if (typeof options?.transform !== 'function')
    throw new TypeError('transform: `transform` must be a function');
  const { match, transform: make, sameLength = false } = options;
  if (match !== undefined && typeof match !== 'function')
    throw new TypeError('transform: `match` must be a function');
  return mapResponse((response, environ) => {
    if (!isTransformable(response, environ) || (match !== undefined && !match(response, environ))) return;
    const chunks = make(response, environ);
    if (chunks === undefined) return;
    if (!sameLength) response.deleteHeader('Content-Length');
    weakenEtag(response);
    response.body = transformBody(response.body, chunks);
  });
}

/**
 * True when a response may have its body transformed at all: not HEAD (unless `headAsGet`, for
 * a middleware that gives HEAD the headers it gives GET), a status with a whole body (not 1xx,
 * 204, 206, 304), no `Cache-Control: no-transform` (RFC 9111 §5.2.2.6).
 */
export function isTransformable(response: Captured, environ: Environ, headAsGet = false): boolean {
  const code = response.code;
  if (
    (environ.REQUEST_METHOD === 'HEAD' && !headAsGet) ||
    code < 200 ||
    code === 204 ||
    code === 206 ||
    code === 304
  )
    return false;
  const cacheControl = response.getHeader('Cache-Control');
  return cacheControl === undefined || !/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(cacheControl);
}

/** Makes a strong `ETag` weak (`"x"` → `W/"x"`): the representation's bytes changed. */
export function weakenEtag(response: Captured): void {
  const etag = response.getHeader('ETag');
  if (etag?.startsWith('"')) response.setHeader('ETag', `W/${etag}`);
}
