// body/: reading request bodies and moving body chunks between a producer and a consumer.

/** An async iterable of a stream's chunks, and a way to stop it early. */
export interface StreamChunks<T> extends AsyncIterable<T> {
  /** Cancels the rest of the stream (nothing when it ended). Iterating to the end needs no close. */
  close(): Promise<void>;
}

/**
 * A WHATWG `ReadableStream` as an async iterable, one chunk per read (where the stream's own
 * iterator is missing from some runtimes' types and costs more). Stopping early (`return()`,
 * a `break`) or `close()` cancels the rest; `onClose(cutShort)` runs on each close, with
 * `cutShort` true while the stream had not ended. One iteration: a second one continues it.
 * @example
 * for await (const chunk of streamChunks(response.body)) write(chunk);
 */
export function streamChunks<T>(
  stream: ReadableStream<T>,
  onClose?: (cutShort: boolean) => void,
): StreamChunks<T> {
  let reader: ReadableStreamDefaultReader<T> | undefined;
  let finished = false;
  const close = async (): Promise<void> => {
    onClose?.(!finished);
    if (finished) return;
    finished = true;
    await (reader === undefined ? stream.cancel() : reader.cancel());
  };
  const iterator: AsyncIterator<T> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      reader ??= stream.getReader();
      const step = await reader.read();
      if (step.done) {
        finished = true;
        reader.releaseLock();
        return { done: true, value: undefined };
      }
      return { done: false, value: step.value };
    },
    async return() {
      await close();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close };
}

/**
 * An async iterable as a WHATWG `ReadableStream` that pulls one chunk per read of its reader
 * (no read-ahead); cancelling the stream returns the iterator. `mapError` turns a failure of
 * the iterable into the error the stream errors with.
 * @example
 * new Request(url, { method: 'POST', body: iterableStream(environ['tsgi.input']), duplex: 'half' });
 */
export function iterableStream<T>(
  iterable: AsyncIterable<T>,
  mapError: (error: unknown) => unknown = (error) => error,
): ReadableStream<T> {
  let iterator: AsyncIterator<T> | undefined;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        iterator ??= iterable[Symbol.asyncIterator]();
        let step: IteratorResult<T>;
        try {
          step = await iterator.next();
        } catch (error) {
          throw mapError(error);
        }
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
