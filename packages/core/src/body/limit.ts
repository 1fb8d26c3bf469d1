import { ContentTooLarge } from '../errors.js';
import type { Environ } from '../types.js';

/** The default size limit of a request body read: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Options of the body readers (`request.bytes()`, `text()`, `json()`, `form()`). */
export interface BodyOptions {
  /** The most bytes to read; a larger body is a 413. Default {@link DEFAULT_BODY_LIMIT}. */
  limit?: number;
}

// One read per request body, shared by every reader (and every Request over a copy of the
// environ): keyed by `tsgi.input`, the body's identity, so a router's copied environ shares it.
const reads = new WeakMap<AsyncIterable<Uint8Array>, Promise<Uint8Array>>();

function tooLarge(limit: number): ContentTooLarge {
  return new ContentTooLarge(`The request body is larger than the limit of ${limit} bytes`);
}

/**
 * Reads the whole request body of `environ`, at most `limit` bytes, once: later calls get
 * the same bytes (or the same error). Throws {@link ContentTooLarge} before reading when
 * `CONTENT_LENGTH` is over the limit, and as soon as the bytes read cross it.
 */
export function readBody(environ: Environ, options: BodyOptions = {}): Promise<Uint8Array> {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer number of bytes, got ${limit}`);
  }
  const input = environ['tsgi.input'];
  let read = reads.get(input);
  if (read === undefined) {
    // refused unread (and not remembered: a later read with a larger limit may still succeed)
    if (Number(environ.CONTENT_LENGTH) > limit) return Promise.reject(tooLarge(limit));
    read = readAll(input, limit);
    reads.set(input, read);
  }
  return read.then((bytes) => {
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return bytes;
  });
}

async function readAll(input: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of input) {
    total += chunk.byteLength;
    // leaving the loop returns the iterator: the rest is never read into memory
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return Buffer.concat(chunks, total);
}
