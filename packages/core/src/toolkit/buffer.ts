import { Buffer } from 'node:buffer';
import { isPromise } from '../body/chunk.js';
import type { Body, Chunk } from '../types.js';
import { closeBody, markBuffered } from './body.js';

/** A body read whole by {@link bufferBody}, or the body handed back because it was too long. */
export type Buffered =
  | { readonly complete: true; readonly bytes: Uint8Array }
  | { readonly complete: false; readonly body: Body };

/**
 * Reads a body whole, up to `limit` bytes, for a middleware that must see all of it before
 * it sends anything (an ETag, XSLT). A body that turns out longer is handed back, still
 * whole (the chunks read so far, then the rest), so the caller can pass it on untouched.
 * A complete body is closed here (it will not reach the server); the source is marked
 * buffered by design, so the validator's streaming rule accepts it. Synchronous for an array
 * or a sync body.
 * @example
 * const read = await bufferBody(response.body, 1 << 20);
 * if (read.complete) response.setHeader('ETag', tagOf(read.bytes)); else response.body = read.body;
 */
export function bufferBody(body: Body, limit: number): Buffered | Promise<Buffered> {
  if (Array.isArray(body)) {
    const bytes = concat(body as Chunk[]);
    if (bytes.byteLength > limit) return { complete: false, body };
    const closing = (body as Body).close?.();
    return isPromise(closing)
      ? Promise.resolve(closing).then(() => ({ complete: true, bytes }))
      : { complete: true, bytes };
  }
  markBuffered(body);
  const chunks: Chunk[] = [];
  let total = 0;
  const add = (chunk: Chunk): boolean => {
    chunks.push(chunk);
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return total <= limit;
  };
  if (typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function') {
    const iterator = (body as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    return (async (): Promise<Buffered> => {
      try {
        for (;;) {
          const step = await iterator.next();
          if (step.done) break;
          if (!add(step.value)) return { complete: false, body: resumed(chunks, iterator, body) };
        }
      } catch (error) {
        await body.close?.();
        throw error;
      }
      await body.close?.();
      return { complete: true, bytes: concat(chunks) };
    })();
  }
  const iterator = (body as Iterable<Chunk>)[Symbol.iterator]();
  try {
    for (;;) {
      const step = iterator.next();
      if (step.done) break;
      if (!add(step.value)) return { complete: false, body: resumed(chunks, iterator, body) };
    }
  } catch (error) {
    void closeBody(body);
    throw error;
  }
  const closing = body.close?.();
  const bytes = concat(chunks);
  return isPromise(closing)
    ? Promise.resolve(closing).then(() => ({ complete: true, bytes }))
    : { complete: true, bytes };
}

/** The chunks of a body as one byte array. */
function concat(chunks: Chunk[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] instanceof Uint8Array) return chunks[0];
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
}

/** The chunks already read, then the rest of `iterator`; closing it returns and closes the source once. */
function resumed(read: Chunk[], iterator: Iterator<Chunk> | AsyncIterator<Chunk>, source: Body): Body {
  let finished = false;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (!finished) await iterator.return?.();
    await source.close?.();
  };
  const it: AsyncIterator<Chunk> = {
    async next() {
      const chunk = read.shift();
      if (chunk !== undefined) return { done: false, value: chunk };
      const step = await iterator.next();
      if (step.done) finished = true;
      return step;
    },
    async return(value?: unknown) {
      await close();
      return { done: true, value };
    },
  };
  return { [Symbol.asyncIterator]: () => it, close };
}
