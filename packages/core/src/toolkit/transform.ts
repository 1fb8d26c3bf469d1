import type { Body, Chunk } from '../types.js';
import { wraps } from './body.js';

/**
 * Turns a body's chunk stream into another through an async generator, the shape of a
 * streaming transform (compression, HTML rewriting): `transform` gets the source chunks as
 * an async iterable and yields the chunks to send. Nothing is buffered unless `transform`
 * does so. Closing the result — at the end, when the client leaves, or on error — returns the
 * transform's generator, then the source iterator, and closes the source body, each once.
 * @example
 * response.body = transformBody(response.body, async function* (chunks) {
 *   for await (const chunk of chunks) yield String(chunk).replaceAll('cat', 'dog');
 * });
 */
export function transformBody(
  body: Body,
  transform: (chunks: AsyncIterable<Chunk>) => AsyncIterable<Chunk>,
): Body {
  let source: Iterator<Chunk> | AsyncIterator<Chunk> | undefined;
  let sourceDone = false;
  let output: AsyncIterator<Chunk> | undefined;
  const chunks: AsyncIterable<Chunk> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        source ??=
          typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function'
            ? (body as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
            : (body as Iterable<Chunk>)[Symbol.iterator]();
        const step = await source.next();
        if (step.done) sourceDone = true;
        return step;
      },
      async return(value?: unknown) {
        await returnSource();
        return { done: true, value };
      },
    }),
  };
  const returnSource = async () => {
    if (source !== undefined && !sourceDone) {
      sourceDone = true;
      await source.return?.();
    }
  };
  let closing: Promise<void> | undefined;
  // a second close (a server's return() then close()) waits for the first to finish
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await output?.return?.();
      } finally {
        try {
          await returnSource();
        } finally {
          await body.close?.();
        }
      }
    })());
  const iterator: AsyncIterator<Chunk> = {
    next() {
      output ??= transform(chunks)[Symbol.asyncIterator]();
      return output.next();
    },
    async return(value?: unknown) {
      await close();
      return { done: true, value };
    },
  };
  return wraps({ [Symbol.asyncIterator]: () => iterator, close }, body);
}
