import { Buffer } from 'node:buffer';
import zlib from 'node:zlib';
import {
  type Captured,
  type Chunk,
  capture,
  type Environ,
  HTTPError,
  type Middleware,
  mapResponse,
  transformBody,
} from '@tsgi/core';
import { negotiateEncoding } from './http/accept-encoding.js';
import { addVary } from './http/vary.js';
import { isTransformable, weakenEtag } from './transform.js';

/** A content coding `compress()` can produce. `zstd` exists only where `node:zlib` has it (Node 22.15+). */
export type Encoding = 'br' | 'gzip' | 'zstd';

/** Options of {@link compress}. */
export interface CompressOptions {
  /** The server's allow-list, in order of preference on a tie. Default `['br', 'gzip']`; `zstd` is dropped where unavailable. */
  encodings?: readonly Encoding[];
  /** Bodies whose length is known and below this many bytes are sent as they are. Default 1024. */
  threshold?: number;
  /** Levels: gzip 0–9 (default zlib's 6), brotli quality 0–11 (default 4), zstd 1–22 (default 3). */
  level?: { gzip?: number; br?: number; zstd?: number };
  /** Your own say, after the built-in checks: return false to send this response as it is. */
  filter?: (response: Captured, environ: Environ) => boolean;
  /** Compress `text/event-stream` (each event flushed as it comes). Default true. */
  eventStream?: boolean;
}

/** True where this Node's zlib has zstd (Node 22.15+, 23.8+). Detected, never assumed. */
export const hasZstd: boolean =
  typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';

// Media types that are compressed already; SVG is text and stays compressible.
const INCOMPRESSIBLE =
  /^(?:image\/(?!svg\+xml)|video\/|audio\/|font\/|application\/(?:zip|gzip|x-gzip|zstd|x-bzip2|x-xz|x-7z-compressed|x-rar-compressed|vnd\.rar|font-woff|octet-stream|pdf|wasm))/i;
// Whole bodies up to this size are compressed in one call (no stream, exact length)…
const ONE_SHOT_LIMIT = 1 << 20;
// …on the event loop up to this size, where a thread-pool round trip costs more than it saves.
const INLINE_LIMIT = 8 * 1024;

/**
 * Compresses response bodies with gzip or brotli (and zstd, where Node has it, when listed),
 * negotiated from `Accept-Encoding` with q-values against the `encodings` allow-list; a client
 * that refuses identity and every coding on offer gets a 406. Streams: each chunk the app
 * yields is compressed and flushed at once, so server-sent events arrive live. An array body
 * (length known) is compressed in one call (on zlib's thread pool above 8 KiB) and keeps an
 * exact `Content-Length`.
 *
 * Sends `Vary: Accept-Encoding` on every response that could have been compressed, turns a
 * strong `ETag` weak, drops `Accept-Ranges`. The gzip header has no time stamp: the same body
 * compresses to the same bytes. HEAD gets the headers GET would (`Content-Encoding`, `Vary`,
 * the weak `ETag`), without the `Content-Length` of the uncompressed body and with nothing
 * compressed (RFC 9110 §9.3.2; `compression` sends only `Vary`). Skipped: 204/206/304,
 * `Cache-Control: no-transform`, bodies already encoded, a missing Content-Type,
 * images/video/audio/fonts (not SVG), archives. Defaults suit dynamic content: brotli quality 4 (11 is for build-time assets).
 *
 * Not for: BREACH-sensitive pages that reflect input next to a secret (mask the secret per
 * response), and static assets you can compress once at build time (`serveStatic`'s
 * `precompressed`).
 * @example serve(compress({ encodings: ['br', 'gzip'] })(app));
 */
export function compress(options: CompressOptions = {}): Middleware {
  const { threshold = 1024, level = {}, filter, eventStream = true } = options;
  const requested = options.encodings ?? ['br', 'gzip'];
  if (!Array.isArray(requested) || requested.some((e) => e !== 'br' && e !== 'gzip' && e !== 'zstd')) {
    throw new TypeError("compress: `encodings` must be a list of 'br', 'gzip', 'zstd'");
  }
  if (!Number.isFinite(threshold) || threshold < 0)
    throw new TypeError('compress: `threshold` must be a number ≥ 0');
  checkLevel(level.gzip, 0, 9, 'gzip');
  checkLevel(level.br, 0, 11, 'br');
  checkLevel(level.zstd, 1, 22, 'zstd');
  if (filter !== undefined && typeof filter !== 'function')
    throw new TypeError('compress: `filter` must be a function');
  const encodings = requested.filter((e) => e !== 'zstd' || hasZstd);
  const coders = makeCoders(level);

  return mapResponse((response, environ) => {
    if (!compressible(response, eventStream)) return;
    addVary(response, 'Accept-Encoding');
    if (!isTransformable(response, environ, true) || (filter !== undefined && !filter(response, environ)))
      return;
    const length = knownLength(response);
    if (length !== undefined && length < threshold) return;
    const encoding = negotiateEncoding(environ.HTTP_ACCEPT_ENCODING, encodings) as
      | Encoding
      | 'identity'
      | null;
    if (encoding === null) return notAcceptable(environ, encodings);
    if (encoding === 'identity') return;
    const coder = coders[encoding];
    response.setHeader('Content-Encoding', encoding);
    response.deleteHeader('Accept-Ranges');
    weakenEtag(response);
    if (environ.REQUEST_METHOD === 'HEAD') {
      // the GET's headers (RFC 9110 §9.3.2), but nothing to compress (the app's body is closed unread)
      response.deleteHeader('Content-Length');
      return void response.replaceBody([]);
    }
    if (Array.isArray(response.body) && length !== undefined && length <= ONE_SHOT_LIMIT) {
      const bytes = Buffer.concat((response.body as Chunk[]).map(toBuffer));
      const answer = (compressed: Buffer) => {
        response.setHeader('Content-Length', String(compressed.byteLength));
        response.replaceBody([compressed]);
        return undefined;
      };
      // small: inline, no promise; larger: on zlib's thread pool, so the event loop goes on
      if (length <= INLINE_LIMIT) return answer(coder.sync(bytes, length));
      return coder.async(bytes, length).then(answer);
    }
    response.deleteHeader('Content-Length');
    response.body = transformBody(response.body, (chunks) => streamed(chunks, coder.stream(length)));
  });
}

/** Compresses chunk by chunk, flushing after each, so what the app yields goes out now. */
async function* streamed(chunks: AsyncIterable<Chunk>, stream: CompressStream): AsyncGenerator<Chunk> {
  const output: Buffer[] = [];
  let failure: unknown;
  stream.on('data', (data: Buffer) => output.push(data));
  // an 'error' with no listener would crash the process: keep it, and throw it in the body
  stream.on('error', (error) => {
    failure ??= error;
  });
  const flushed = () =>
    new Promise<void>((resolve, reject) =>
      stream.flush(stream.flushKind, () => (failure === undefined ? resolve() : reject(failure))),
    );
  const take = (): Buffer =>
    output.length === 1 ? (output.pop() as Buffer) : Buffer.concat(output.splice(0));
  try {
    for await (const chunk of chunks) {
      const bytes = toBuffer(chunk);
      if (bytes.byteLength === 0) {
        yield bytes;
        continue;
      }
      stream.write(bytes);
      await flushed();
      yield take();
    }
    await new Promise<void>((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      stream.once('end', resolve).once('error', reject);
      stream.end();
    });
    yield take();
  } finally {
    stream.destroy();
  }
}

type CompressStream = (zlib.Gzip | zlib.BrotliCompress) & { flushKind: number };

interface Coder {
  sync(bytes: Buffer, length: number): Buffer;
  async(bytes: Buffer, length: number): Promise<Buffer>;
  stream(length: number | undefined): CompressStream;
}

function makeCoders(level: NonNullable<CompressOptions['level']>): Record<Encoding, Coder> {
  const gzipOptions = { level: level.gzip ?? zlib.constants.Z_DEFAULT_COMPRESSION };
  const brotliOptions = (length: number | undefined): zlib.BrotliOptions => ({
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: level.br ?? 4,
      ...(length === undefined ? {} : { [zlib.constants.BROTLI_PARAM_SIZE_HINT]: length }),
    },
  });
  const withFlush = <S extends zlib.Gzip | zlib.BrotliCompress>(stream: S, flushKind: number) =>
    Object.assign(stream, { flushKind }) as CompressStream;
  const z = zlib as unknown as Record<string, (options?: object) => zlib.Gzip> & {
    zstdCompressSync?: (bytes: Buffer, options?: object) => Buffer;
    zstdCompress?: ZlibAsync;
  };
  // zstd's constants exist only where zstd does (Node 22.15+): read them, do not assume them
  const constants = zlib.constants as unknown as Record<string, number | undefined>;
  const zstdOptions = () => ({ params: { [constants.ZSTD_c_compressionLevel ?? 100]: level.zstd ?? 3 } });
  return {
    gzip: {
      sync: (bytes) => zlib.gzipSync(bytes, gzipOptions),
      async: (bytes) => callback<Buffer>((done) => zlib.gzip(bytes, gzipOptions, done)),
      stream: () => withFlush(zlib.createGzip(gzipOptions), zlib.constants.Z_SYNC_FLUSH),
    },
    br: {
      sync: (bytes, length) => zlib.brotliCompressSync(bytes, brotliOptions(length)),
      async: (bytes, length) =>
        callback<Buffer>((done) => zlib.brotliCompress(bytes, brotliOptions(length), done)),
      stream: (length) =>
        withFlush(zlib.createBrotliCompress(brotliOptions(length)), zlib.constants.BROTLI_OPERATION_FLUSH),
    },
    zstd: {
      sync: (bytes) => (z.zstdCompressSync as NonNullable<typeof z.zstdCompressSync>)(bytes, zstdOptions()),
      async: (bytes) => callback<Buffer>((done) => (z.zstdCompress as ZlibAsync)(bytes, zstdOptions(), done)),
      stream: () =>
        withFlush(z.createZstdCompress?.(zstdOptions()) as zlib.Gzip, constants.ZSTD_e_flush ?? 1),
    },
  };
}

type ZlibAsync = (
  bytes: Buffer,
  options: object,
  done: (error: Error | null, result: Buffer) => void,
) => void;

function callback<T>(run: (done: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result))));
}

/** The built-in checks on the content: what it is, not how it is asked for. */
function compressible(response: Captured, eventStream: boolean): boolean {
  const type = response.getHeader('Content-Type');
  if (type === undefined || INCOMPRESSIBLE.test(type)) return false;
  if (!eventStream && /^text\/event-stream/i.test(type)) return false;
  const encoding = response.getHeader('Content-Encoding');
  return encoding === undefined || encoding.trim().toLowerCase() === 'identity';
}

/** The body's length when known up front: its Content-Length, or the bytes of an array. */
function knownLength(response: Captured): number | undefined {
  const header = response.getHeader('Content-Length');
  if (header !== undefined && /^\d+$/.test(header)) return Number(header);
  if (!Array.isArray(response.body)) return undefined;
  let total = 0;
  for (const chunk of response.body as Chunk[])
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return total;
}

/** The 406 page, answered instead of the app's response (mapResponse closes that). */
function notAcceptable(environ: Environ, encodings: readonly string[]): Captured {
  const error = new HTTPError(406, `Available content codings: ${[...encodings, 'identity'].join(', ')}`, {
    headers: [['Vary', 'Accept-Encoding']],
  });
  return capture(error, environ) as Captured; // an HTTPError answers synchronously
}

function toBuffer(chunk: Chunk): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk)
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function checkLevel(value: number | undefined, min: number, max: number, name: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new TypeError(`compress: \`level.${name}\` must be an integer from ${min} to ${max}`);
  }
}
