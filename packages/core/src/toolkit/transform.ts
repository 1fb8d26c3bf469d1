import { isPromise } from '../body/chunk.js';
import type { Body, Chunk } from '../types.js';
import { wraps } from './body.js';

/**
 * Turns a body's chunk stream into another through an async generator, the shape of a
 * streaming transform (compression, HTML rewriting): `transform` gets the source chunks as
 * an async iterable and yields the chunks to send. Nothing is buffered unless `transform`
 * does so. Closing the result — at the end, when the client leaves, or on error — returns the
 * transform's generator, then the source iterator, and closes the source body, each once. A
 * close while the generator waits on the source (an idle event stream) ends that wait at once:
 * the generator sees the end of its chunks, and the body is closed without waiting for the
 * source's pending next() (which its close() may be what ends).
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
  // a source read in flight: `reading` until it settles; `interrupt` ends the generator's wait
  let reading = false;
  let interrupt: (() => void) | undefined;
  const chunks: AsyncIterable<Chunk> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        if (closing !== undefined) return { done: true, value: undefined };
        source ??=
          typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function'
            ? (body as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
            : (body as Iterable<Chunk>)[Symbol.iterator]();
        const pending = source.next();
        if (!isPromise<IteratorResult<Chunk>>(pending)) {
          if (pending.done) sourceDone = true;
          return pending;
        }
        reading = true;
        const step = await new Promise<IteratorResult<Chunk> | undefined>((resolve, reject) => {
          interrupt = () => resolve(undefined);
          pending.then(
            (settled) => {
              reading = false;
              resolve(settled);
            },
            (error: unknown) => {
              reading = false;
              reject(error);
            },
          );
        }).finally(() => {
          interrupt = undefined;
        });
        if (step === undefined) return { done: true, value: undefined }; // closed meanwhile
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
      const returned = source.return?.();
      // its return() would queue behind the read in flight, which the body's close() may end
      if (reading) Promise.resolve(returned).catch(() => {});
      else await returned;
    }
  };
  let closing: Promise<void> | undefined;
  // a second close (a server's return() then close()) waits for the first to finish
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // the generator's return() would queue behind its wait on the source: end that wait first
      interrupt?.();
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
