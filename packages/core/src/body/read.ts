import { ContentTooLarge } from '../errors.js';
import type { Environ } from '../types.js';
import { contentLengthValue } from './content-length.js';
import { canReadWhole, READ_WHOLE } from './read-whole.js';

/** The default size limit of a request body read: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Options of the body readers (`request.bytes()`, `text()`, `json()`, `form()`). */
export interface BodyOptions {
  /** The most bytes to read; a larger body is a 413. Default {@link DEFAULT_BODY_LIMIT}. */
  limit?: number;
}

// One read per request body, shared by every reader (and every Request over a copy of the
// environ): kept on `tsgi.input`, the body's identity, so a router's copied environ shares it.
// On the object itself, since a WeakMap entry per request costs the garbage collector more than
// the rest of the request; in a WeakMap only for an input that cannot take a property.
// Measured (npm run bench:count, POST /echo 1 KB): the WeakMap alone costs 79,868 instructions
// per request against 77,633 with the property: the property buys 2.8%. SPEC.md §9.
const BODY_READ = Symbol.for('tsgi.input.read');

type Input = AsyncIterable<Uint8Array> & { [BODY_READ]?: Promise<Uint8Array> };

const frozenReads = new WeakMap<Input, Promise<Uint8Array>>();
/** False until some input refused the property: until then frozenReads is empty and not looked in. */
let anyFrozenRead = false;

/** The stored whole read of `input`, if a reader made one. */
export function readOf(input: Input): Promise<Uint8Array> | undefined {
  return input[BODY_READ] ?? (anyFrozenRead ? frozenReads.get(input) : undefined);
}

/**
 * Stores `read` as the whole read of `input`: on it, or in frozenReads when it cannot take a
 * property. Tried, not asked first with `Object.isExtensible()`, a runtime call that every body
 * read paid (as `Request.of` did for the environ): without both calls, POST /echo 1 KB costs
 * 75,314 instructions a request against 76,501 (npm run bench:count, -1.6%).
 */
export function remember(input: Input, read: Promise<Uint8Array>): void {
  try {
    input[BODY_READ] = read;
  } catch (error) {
    // strict mode: a frozen, sealed or non-extensible input throws a TypeError instead
    if (!(error instanceof TypeError)) throw error;
    frozenReads.set(input, read);
    anyFrozenRead = true;
  }
}

function tooLarge(limit: number): ContentTooLarge {
  return new ContentTooLarge(`The request body is larger than the limit of ${limit} bytes`);
}

/**
 * Reads the whole request body of `environ`, at most `limit` bytes, once: later calls get
 * the same bytes (or the same error). Rejects with {@link ContentTooLarge} before reading
 * when `CONTENT_LENGTH` is over the limit, and as soon as the bytes read cross it; with a
 * RangeError for a `limit` that is not a byte count.
 */
export function readBody(environ: Environ, options?: BodyOptions): Promise<Uint8Array> {
  const limit = options?.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    return Promise.reject(
      new RangeError(`limit must be a non-negative integer number of bytes, got ${limit}`),
    );
  }
  const input: Input = environ['tsgi.input'];
  const read = readOf(input);
  if (read !== undefined) {
    return read.then((bytes) => {
      if (bytes.byteLength > limit) throw tooLarge(limit);
      return bytes;
    });
  }
  // refused unread (and not remembered: a later read with a larger limit may still succeed)
  if (contentLengthValue(environ.CONTENT_LENGTH) > limit) return Promise.reject(tooLarge(limit));
  // the first read holds the body to this limit itself; the one-promise read (SPEC.md §9)
  // buys 3.4% of an echo's instructions (80,380 per request iterating, 77,633 with it)
  const first = canReadWhole(input) ? input[READ_WHOLE](limit, tooLarge) : readAll(input, limit);
  remember(input, first);
  return first;
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
