import { byteLength, isPromise } from '../body/chunk.js';
import type { Body, Chunk } from '../types.js';
import { bodyEnded, isChunk, sendBytes } from './response.js';
import { show } from './rules.js';
import { checkClosed, type Exchange } from './state.js';

type Closable = { close?: unknown };
type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** One-shot bodies (iterators) already returned once: a second return is a bug. */
const returnedIterators = new WeakSet<object>();

/**
 * Checks what the app returned and wraps it, lazily, so that each chunk is checked as the
 * server pulls it. An array stays an array (its length is known up front, and the server
 * sends it with Content-Length), checked whole at once since it runs no code.
 */
export function watchBody(body: unknown, x: Exchange): Body {
  if (typeof body === 'string') x.fail('body-string');
  if (ArrayBuffer.isView(body)) x.fail('body-bytes');
  if (typeof body !== 'object' || body === null) x.fail('body-type', show(body));
  const close = (body as Closable).close;
  if (close !== undefined && typeof close !== 'function') x.fail('body-close-type', show(close));
  const isAsync = typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
  const isSync = typeof (body as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
  if (!isAsync && !isSync) x.fail('body-type', show(body));
  if (typeof (body as Partial<Iterator<unknown>>).next === 'function') {
    if (returnedIterators.has(body)) x.fail('body-reused');
    returnedIterators.add(body);
  }
  x.hasBody = true;
  const closeBody = () => closeOnce(x, body as Body);
  if (Array.isArray(body)) return watchArray(body, x, closeBody);
  const watched: Record<symbol | string, unknown> = { close: closeBody };
  x.bufferedByDesign = () => watched[BUFFERED_BY_DESIGN] === true;
  // expose the same protocols as the body, so the server picks the one it would have picked
  if (isAsync) {
    watched[Symbol.asyncIterator] = () =>
      watchIterator(
        x.run(() => (body as AsyncIterable<unknown>)[Symbol.asyncIterator]()),
        x,
        true,
      );
  }
  if (isSync) {
    watched[Symbol.iterator] = () =>
      watchIterator(
        x.run(() => (body as Iterable<unknown>)[Symbol.iterator]()),
        x,
        false,
      );
  }
  return watched as unknown as Body;
}

function watchArray(chunks: unknown[], x: Exchange, close: () => void | Promise<void>): Body {
  for (const chunk of chunks) {
    if (!isChunk(chunk)) x.fail('chunk-type', show(chunk));
    const length = byteLength(chunk);
    if (length > 0 && !x.started) x.fail('start-response-late');
    sendBytes(x, length);
    x.yielded++;
  }
  bodyEnded(x);
  const copy = chunks.slice() as Chunk[];
  Object.defineProperty(copy, 'close', { value: close });
  return copy;
}

/**
 * A middleware that reads a body whole by design (an ETag, XSLT) sets this symbol on the body
 * it reads (SPEC.md, "Writing middleware"); the streaming rule then lets it buffer.
 */
const BUFFERED_BY_DESIGN = Symbol.for('tsgi.buffered-by-design');

/** Before each pull: the server's side (one pull at a time, none after close) and the streaming rule. */
function beforePull(x: Exchange, pulling: boolean): void {
  if (x.closed) x.fail('iterate-after-close');
  if (pulling) x.fail('next-concurrent');
  const parent = x.parent;
  if (
    parent?.streaming &&
    !x.bufferedByDesign() &&
    x.delivered > 0 &&
    parent.yielded - x.parentBase < x.delivered
  ) {
    x.fail(
      'middleware-buffers',
      `it received ${x.delivered} chunks and yielded ${parent.yielded - x.parentBase}`,
    );
  }
}

/** After each pull: the app's side. Returns the step unchanged. */
function afterPull(step: unknown, x: Exchange): IteratorResult<Chunk> {
  if (typeof step !== 'object' || step === null) x.fail('iterator-result', show(step));
  const { done, value } = step as IteratorResult<unknown>;
  if (done) {
    x.finished = true;
    // a body the server already closed (the client left) ends however it can: no completeness rules
    if (!x.closed) bodyEnded(x);
    checkChildrenClosed(x);
    return step as IteratorResult<Chunk>;
  }
  if (!isChunk(value)) x.fail('chunk-type', show(value));
  const length = byteLength(value);
  // an empty chunk sends nothing, so it may come before startResponse
  if (length > 0 && !x.started) x.fail('start-response-late');
  sendBytes(x, length);
  x.yielded++;
  if (length > 0) {
    if (x.delivered === 0) x.parentBase = x.parent?.yielded ?? 0;
    x.delivered++;
  }
  return step as IteratorResult<Chunk>;
}

/** Stops an iterator the validator gave up on (a violation), so that its `finally` blocks run. */
function abandon(iterator: AnyIterator, x: Exchange): void {
  x.finished = true;
  try {
    const result = iterator.return?.();
    if (isPromise(result)) result.then(undefined, () => {});
  } catch {
    // the violation is the error to report
  }
}

function watchIterator(iterator: AnyIterator, x: Exchange, isAsync: boolean): AnyIterator {
  if (typeof iterator?.next !== 'function') x.fail('iterator-type', show(iterator));
  x.iterating = true;
  let pulling = false;
  const guard = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      if (!x.finished) abandon(iterator, x);
      x.sawError(error);
      throw error;
    }
  };
  const finishReturn = <T>(result: T): T => {
    checkChildrenClosed(x);
    return result;
  };
  const returnInner = (value: unknown) => {
    const wasFinished = x.finished;
    x.returned = true;
    x.finished = true;
    if (wasFinished || iterator.return === undefined) return { done: true, value };
    return x.run(() => (iterator.return as (value: unknown) => unknown)(value));
  };
  if (isAsync) {
    const it = iterator as AsyncIterator<unknown>;
    return {
      async next() {
        guard(() => beforePull(x, pulling));
        pulling = true;
        let step: unknown;
        try {
          step = await x.run(() => it.next());
        } catch (error) {
          x.finished = true;
          x.sawError(error);
          throw error;
        } finally {
          pulling = false;
        }
        return guard(() => afterPull(step, x));
      },
      async return(value?: unknown) {
        return finishReturn((await returnInner(value)) as IteratorResult<Chunk>);
      },
    } satisfies AsyncIterator<Chunk>;
  }
  const it = iterator as Iterator<unknown>;
  return {
    next() {
      guard(() => beforePull(x, false));
      let step: unknown;
      try {
        step = x.run(() => it.next());
      } catch (error) {
        x.finished = true;
        x.sawError(error);
        throw error;
      }
      return guard(() => afterPull(step, x));
    },
    return(value?: unknown) {
      return finishReturn(returnInner(value) as IteratorResult<Chunk>);
    },
  } satisfies Iterator<Chunk>;
}

function closeOnce(x: Exchange, body: Body): void | Promise<void> {
  if (x.closed) x.fail('close-twice');
  x.closed = true;
  let result: unknown;
  try {
    result = x.run(() => body.close?.());
  } catch (error) {
    x.sawError(error);
    throw error;
  }
  if (isPromise(result)) {
    return Promise.resolve(result).then(
      () => checkChildrenClosed(x),
      (error: unknown) => {
        x.sawError(error);
        throw error;
      },
    );
  }
  checkChildrenClosed(x);
}

/**
 * Once this body is closed and its iteration over, a middleware has cleaned up: every body
 * it got from the apps it wraps must be closed (and its iteration finished or returned).
 */
function checkChildrenClosed(x: Exchange): void {
  if (!x.closed || (x.iterating && !x.finished)) return;
  const before = x.report.violations.length;
  for (const child of x.children) checkClosed(child);
  const found = x.report.violations[before];
  if (found !== undefined) throw found;
}
