import zlib from 'node:zlib';
import {
  BadRequest,
  ContentTooLarge,
  DEFAULT_BODY_LIMIT,
  type Middleware,
  UnsupportedMediaType,
} from '@tsgi/core';

/** Options of {@link decompress}. */
export interface DecompressOptions {
  /** The most bytes a body may decode to; past it the read fails with a 413. Default 1 MiB. */
  limit?: number;
}

type Decoder = () => zlib.Gunzip | zlib.BrotliDecompress | zlib.Inflate;

const DECODERS: Record<string, Decoder | undefined> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};
// More layers than any client sends; each is a zlib stream, and a chain of thousands, set up
// by one header, costs megabytes and seconds (urllib3 capped it too: CVE-2025-66418).
const MAX_CODINGS = 5;
const createZstd = (zlib as { createZstdDecompress?: () => zlib.Gunzip }).createZstdDecompress;
if (typeof createZstd === 'function') DECODERS.zstd = () => createZstd();

/**
 * Decodes request bodies sent with `Content-Encoding: gzip`, `deflate` or `br` (and `zstd`
 * where Node has it), so the app reads plain bytes from `tsgi.input` as it streams in. The
 * decoded size is held to `limit`: a zip bomb fails the read with a 413 as soon as it crosses
 * it, never filling memory. A corrupt body fails with a 400; an unknown coding, or more than
 * 5 stacked, is a 415 before the app runs. The app sees an environ without `HTTP_CONTENT_ENCODING` and
 * `CONTENT_LENGTH` (the length it had is not the length it has).
 *
 * Not for: proxies that pass bodies on as they are (leave the encoding to the upstream).
 * @example serve(decompress({ limit: 10 * 1024 * 1024 })(app));
 */
export function decompress(options: DecompressOptions = {}): Middleware {
  const { limit = DEFAULT_BODY_LIMIT } = options;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new TypeError('decompress: `limit` must be an integer ≥ 0');
  return (app) => (environ, startResponse) => {
    const header = environ.HTTP_CONTENT_ENCODING;
    if (header === undefined) return app(environ, startResponse);
    // codings apply in the order listed: undo them from the last
    const codings = header
      .split(',')
      .map((coding) => coding.trim().toLowerCase())
      .filter((coding) => coding !== '' && coding !== 'identity');
    if (codings.length > MAX_CODINGS) {
      throw new UnsupportedMediaType(`More than ${MAX_CODINGS} content codings stacked`);
    }
    const decoders = codings.map((coding) => DECODERS[coding]);
    if (decoders.some((decoder) => decoder === undefined)) {
      throw new UnsupportedMediaType(`Content-Encoding not understood: ${header}`, {
        headers: [['Accept-Encoding', Object.keys(DECODERS).join(', ')]],
      });
    }
    let input: AsyncIterable<Uint8Array> = environ['tsgi.input'];
    for (const decoder of decoders.reverse()) input = decoded(input, decoder as Decoder, limit);
    const { HTTP_CONTENT_ENCODING: _encoding, CONTENT_LENGTH: _length, ...rest } = environ;
    return app({ ...rest, 'tsgi.input': input } as typeof environ, startResponse);
  };
}

/** `input` through a decoder, pulled as the app reads: the decoder is fed only when drained. */
async function* decoded(
  input: AsyncIterable<Uint8Array>,
  make: Decoder,
  limit: number,
): AsyncGenerator<Uint8Array> {
  const decoder = make();
  const source = input[Symbol.asyncIterator]();
  let failed: unknown;
  let reading = false; // a source.next() in flight: the client's next chunk, which may never come
  const feed = (async () => {
    while (!decoder.destroyed) {
      reading = true;
      const step = await source.next();
      reading = false;
      if (step.done) {
        if (!decoder.destroyed) decoder.end();
        return;
      }
      if (decoder.destroyed) break;
      if (!decoder.write(step.value))
        await new Promise((resolve) => decoder.once('drain', resolve).once('close', resolve));
    }
    await source.return?.(); // the decoding stopped early: so does the reading
  })().catch((error: unknown) => {
    failed = error;
    decoder.destroy();
  });
  let total = 0;
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit) throw new ContentTooLarge(`The request body decodes to more than ${limit} bytes`);
      yield chunk;
    }
    if (failed !== undefined) throw failed;
  } catch (error) {
    if (failed !== undefined) throw failed; // reading the request failed (the client left)
    if (isCodingError(error))
      throw new BadRequest('The request body is not validly encoded', { cause: error });
    throw error;
  } finally {
    decoder.destroy();
    // a client that stalls after a bomb (or a corrupt start) must not hold back the 413 (400):
    // stop reading instead of waiting for its next chunk
    if (reading) Promise.resolve(source.return?.()).catch(() => {});
    else await feed;
  }
}

/** An error of zlib itself (bad data), which carries a numeric `errno` beside its `code`. */
function isCodingError(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: unknown; code?: unknown };
  return typeof errno === 'number' && typeof code === 'string';
}
