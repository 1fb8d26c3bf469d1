import { byteLength, isPromise } from '../body/chunk.js';
import { type BodyIterator, wrapBody } from '../body/wrap.js';
import type { Body, Chunk } from '../types.js';
import { bodyEnded, isChunk, sendBytes } from './response.js';
import { show } from './rules.js';
import { type AppCall, checkClosed } from './state.js';

type Closable = { close?: unknown };
type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** One-shot bodies (iterators) already returned once: a second return is a bug. */
const returnedIterators = new WeakSet<object>();

/**
 * Checks what the app returned and wraps it, lazily, so that each chunk is checked as the
 * server pulls it. An array stays an array (its length is known up front, and the server
 * sends it with Content-Length), checked whole at once since it runs no code.
 */
export function watchBody(body: unknown, call: AppCall): Body {
  if (typeof body === 'string') call.fail('body-string');
  if (ArrayBuffer.isView(body)) call.fail('body-bytes');
  if (typeof globalThis.Response === 'function' && body instanceof globalThis.Response) {
    call.fail('body-fetch-response');
  }
  if (typeof body !== 'object' || body === null) call.fail('body-type', show(body));
  const close = (body as Closable).close;
  if (close !== undefined && typeof close !== 'function') call.fail('body-close-type', show(close));
  const isAsync = typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
  const isSync = typeof (body as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
  if (!isAsync && !isSync) call.fail('body-type', show(body));
  if (typeof (body as Partial<Iterator<unknown>>).next === 'function') {
    if (returnedIterators.has(body)) call.fail('body-reused');
    returnedIterators.add(body);
  }
  call.hasBody = true;
  const closeBody = () => closeOnce(call, body as Body);
  if (Array.isArray(body)) return watchArray(body, call, closeBody);
  const watched = wrapBody(body as Body, {
    iterator: (make, isAsync) => watchIterator(call.run(make), call, isAsync) as BodyIterator,
    close: closeBody,
  });
  call.bufferedByDesign = () => (watched as unknown as Record<symbol, unknown>)[BUFFERED_BY_DESIGN] === true;
  return watched;
}

function watchArray(chunks: unknown[], call: AppCall, close: () => void | Promise<void>): Body {
  for (const chunk of chunks) {
    if (!isChunk(chunk)) call.fail('chunk-type', show(chunk));
    const length = byteLength(chunk);
    if (length > 0 && !call.started) call.fail('start-response-late');
    sendBytes(call, length);
    call.yielded++;
  }
  bodyEnded(call);
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
function beforePull(call: AppCall, pulling: boolean): void {
  if (call.closed) call.fail('iterate-after-close');
  if (pulling) call.fail('next-concurrent');
  const parent = call.parent;
  if (
    parent?.streaming &&
    !call.bufferedByDesign() &&
    call.delivered > 0 &&
    parent.yielded - call.parentBase < call.delivered
  ) {
    call.fail(
      'middleware-buffers',
      `it received ${call.delivered} chunks and yielded ${parent.yielded - call.parentBase}`,
    );
  }
}

/** After each pull: the app's side. Returns the step unchanged. */
function afterPull(step: unknown, call: AppCall): IteratorResult<Chunk> {
  if (typeof step !== 'object' || step === null) call.fail('iterator-result', show(step));
  const { done, value } = step as IteratorResult<unknown>;
  if (done) {
    call.finished = true;
    // a body the server already closed (the client left) ends however it can: no completeness rules
    if (!call.closed) bodyEnded(call);
    checkChildrenClosed(call);
    return step as IteratorResult<Chunk>;
  }
  if (!isChunk(value)) call.fail('chunk-type', show(value));
  const length = byteLength(value);
  // an empty chunk sends nothing, so it may come before startResponse
  if (length > 0 && !call.started) call.fail('start-response-late');
  sendBytes(call, length);
  call.yielded++;
  if (length > 0) {
    if (call.delivered === 0) call.parentBase = call.parent?.yielded ?? 0;
    call.delivered++;
  }
  return step as IteratorResult<Chunk>;
}

/** Stops an iterator the validator gave up on (a violation), so that its `finally` blocks run. */
function abandon(iterator: AnyIterator, call: AppCall): void {
  call.finished = true;
  try {
    const result = iterator.return?.();
    if (isPromise(result)) result.then(undefined, () => {});
  } catch {
    // the violation is the error to report
  }
}

function watchIterator(iterator: AnyIterator, call: AppCall, isAsync: boolean): AnyIterator {
  if (typeof iterator?.next !== 'function') call.fail('iterator-type', show(iterator));
  call.iterating = true;
  let pulling = false;
  const guard = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      if (!call.finished) abandon(iterator, call);
      call.sawError(error);
      throw error;
    }
  };
  const finishReturn = <T>(result: T): T => {
    checkChildrenClosed(call);
    return result;
  };
  const returnInner = (value: unknown) => {
    const wasFinished = call.finished;
    call.returned = true;
    call.finished = true;
    if (wasFinished || iterator.return === undefined) return { done: true, value };
    return call.run(() => (iterator.return as (value: unknown) => unknown)(value));
  };
  if (isAsync) {
    const it = iterator as AsyncIterator<unknown>;
    return {
      async next() {
        guard(() => beforePull(call, pulling));
        pulling = true;
        let step: unknown;
        try {
          step = await call.run(() => it.next());
        } catch (error) {
          call.finished = true;
          call.sawError(error);
          throw error;
        } finally {
          pulling = false;
        }
        return guard(() => afterPull(step, call));
      },
      async return(value?: unknown) {
        return finishReturn((await returnInner(value)) as IteratorResult<Chunk>);
      },
    } satisfies AsyncIterator<Chunk>;
  }
  const it = iterator as Iterator<unknown>;
  return {
    next() {
      guard(() => beforePull(call, false));
      let step: unknown;
      try {
        step = call.run(() => it.next());
      } catch (error) {
        call.finished = true;
        call.sawError(error);
        throw error;
      }
      return guard(() => afterPull(step, call));
    },
    return(value?: unknown) {
      return finishReturn(returnInner(value) as IteratorResult<Chunk>);
    },
  } satisfies Iterator<Chunk>;
}

function closeOnce(call: AppCall, body: Body): void | Promise<void> {
  if (call.closed) call.fail('close-twice');
  call.closed = true;
  let result: unknown;
  try {
    result = call.run(() => body.close?.());
  } catch (error) {
    call.sawError(error);
    throw error;
  }
  if (isPromise(result)) {
    // until this close() settles, the bodies it closes may still be on their way to closed
    call.closing = true;
    return Promise.resolve(result).then(
      () => {
        call.closing = false;
        checkChildrenClosed(call);
      },
      (error: unknown) => {
        call.closing = false;
        call.sawError(error);
        throw error;
      },
    );
  }
  checkChildrenClosed(call);
}

/**
 * Once this body is closed and its iteration over, a middleware has cleaned up: every body
 * it got from the apps it wraps must be closed (and its iteration finished or returned).
 */
function checkChildrenClosed(call: AppCall): void {
  if (!call.closed || call.closing || (call.iterating && !call.finished)) return;
  const before = call.report.violations.length;
  for (const child of call.children) checkClosed(child);
  const found = call.report.violations[before];
  if (found !== undefined) throw found;
}
