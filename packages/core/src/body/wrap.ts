// body/: reading request bodies and moving body chunks between a producer and a consumer.
import type { Body, Chunk } from '../types.js';

/** A body's iterator, sync or async. */
export type BodyIterator = Iterator<Chunk> | AsyncIterator<Chunk>;

/** How {@link wrapBody} changes a body. */
export interface BodyWrapping {
  /** Makes the iterator the server gets, from `make` (which makes the body's own). */
  iterator(make: () => BodyIterator, isAsync: boolean): BodyIterator;
  /** The wrapped body's `close()`; without it, the wrapped body has none. */
  close?: () => void | Promise<void>;
}

/**
 * A body that is `body` seen through `wrapping`: it offers the same protocols (async and/or
 * sync iteration), so a server picks the one it would have picked, each iterator made through
 * `wrapping.iterator`, and `wrapping.close` as its close. For a body that is not an array: an
 * array runs no code and has a known length, which the callers keep.
 * @example
 * wrapBody(body, { iterator: (make) => inContext(make()), close: body.close && (() => inContext(body.close)) });
 */
export function wrapBody(body: Body, wrapping: BodyWrapping): Body {
  const wrapped: Record<symbol | string, unknown> = {};
  const asyncIterable = body as Partial<AsyncIterable<Chunk>>;
  const iterable = body as Partial<Iterable<Chunk>>;
  if (typeof asyncIterable[Symbol.asyncIterator] === 'function') {
    wrapped[Symbol.asyncIterator] = () =>
      wrapping.iterator(() => (asyncIterable as AsyncIterable<Chunk>)[Symbol.asyncIterator](), true);
  }
  if (typeof iterable[Symbol.iterator] === 'function') {
    wrapped[Symbol.iterator] = () =>
      wrapping.iterator(() => (iterable as Iterable<Chunk>)[Symbol.iterator](), false);
  }
  if (wrapping.close !== undefined) wrapped.close = wrapping.close;
  return wrapped as unknown as Body;
}
