// Small building blocks for apps under test: a promise opened on demand, and a body that
// counts how the server treated it.
import type { Body, Chunk } from '@tsgi/core';

/** A promise with its resolve function outside (Node 20 has no Promise.withResolvers). */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A body wrapped to record what the server did with it. */
export interface TrackedBody {
  body: Body;
  /** How many times the server called `close()`. */
  readonly closeCount: number;
  /** Resolves on the first `close()`. */
  readonly closed: Promise<void>;
}

/**
 * Gives `chunks` (an iterable, an async iterable, a generator) a `close()` that counts its calls.
 * @example
 * const tracked = trackClose(['hello']);
 * return tracked.body;   // later: expect(tracked.closeCount).toBe(1)
 */
export function trackClose(chunks: Iterable<Chunk> | AsyncIterable<Chunk>): TrackedBody {
  const onClose = deferred();
  let closeCount = 0;
  const body = Object.assign(chunks, {
    close() {
      closeCount++;
      onClose.resolve();
    },
  });
  return {
    body,
    get closeCount() {
      return closeCount;
    },
    closed: onClose.promise,
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
