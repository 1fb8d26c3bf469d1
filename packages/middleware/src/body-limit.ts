import { type App, ContentTooLarge, carryBodyRead, type Middleware } from '@tsgi/core';

/** Options of {@link bodyLimit}. */
export interface BodyLimitOptions {
  /** The most request-body bytes the app may read. Required. */
  max: number;
}

/**
 * Caps the request body: a `Content-Length` over `max` is a 413 before the app runs; a body
 * without one (chunked) or one that lies is cut off with a {@link ContentTooLarge} thrown
 * into the app's read as soon as the count crosses `max` — the app never holds more than
 * `max` bytes of it, and the 413 renders itself unless the app catches it. Core's body
 * readers (`request.json()`…) keep their own 1 MiB default beneath this.
 *
 * When not to use it: to allow one route more than the rest, pass `limit` to that route's
 * body reader instead; place it outside anything that reads the body (`methodOverride()`).
 * @example
 * serve(bodyLimit({ max: 64 * 1024 })(app));
 */
export function bodyLimit(options: BodyLimitOptions): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('bodyLimit: options { max } are required');
  const { max } = options;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new TypeError(`bodyLimit: max must be a non-negative integer number of bytes, got ${String(max)}`);
  }
  const tooLarge = () => new ContentTooLarge(`The request body is larger than the limit of ${max} bytes`);
  return (app: App): App =>
    (environ, startResponse) => {
      const declared = environ.CONTENT_LENGTH;
      if (declared !== undefined && declared !== '' && Number(declared) > max)
        return tooLarge()(environ, startResponse);
      const input = environ['tsgi.input'];
      const capped = {
        async *[Symbol.asyncIterator]() {
          let total = 0;
          for await (const chunk of input) {
            total += chunk.byteLength;
            if (total > max) throw tooLarge(); // leaving the loop returns the source: the rest is never read
            yield chunk;
          }
        },
      };
      // a body read whole outside (csrf(), methodOverride()) reaches the app's readers, held to max too
      environ['tsgi.input'] = carryBodyRead(input, capped, (bytes) => {
        if (bytes.byteLength > max) throw tooLarge();
        return bytes;
      });
      return app(environ, startResponse);
    };
}
