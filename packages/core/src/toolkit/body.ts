import { byteLength, isPromise } from '../body/chunk.js';
import { type BodyIterator, wrapBody } from '../body/wrap.js';
import type { Body, Chunk } from '../types.js';

/**
 * The symbol a middleware sets on a body it reads to the end before it sends anything (an
 * ETag, XSLT): the validator's streaming rule (`middleware-buffers`) then accepts it. SPEC.md
 * documents it, so a validator of another package can honour it too.
 */
export const BUFFERED_BY_DESIGN: unique symbol = Symbol.for('tsgi.buffered-by-design') as never;

/** Where a body made by this toolkit came from: a mark set on it is set on its source too. */
const SOURCE = Symbol('tsgi.toolkit.source');

type Marked = { [BUFFERED_BY_DESIGN]?: true; [SOURCE]?: Body };

/** Records that `wrapper` passes on the chunks of `source` (so a buffering mark reaches it). */
export function wraps<B extends Body>(wrapper: B, source: Body): B {
  (wrapper as B & Marked)[SOURCE] = source;
  return wrapper;
}

/**
 * Marks `body` as read whole by design (see {@link BUFFERED_BY_DESIGN}), and the bodies it
 * wraps, when this toolkit made it; returns it.
 */
export function markBuffered<B extends Body>(body: B): B {
  let current: Body | undefined = body;
  while (current !== undefined) {
    try {
      (current as Marked)[BUFFERED_BY_DESIGN] = true;
    } catch {
      // a frozen body cannot carry the mark: the validator will report the buffering
    }
    current = (current as Marked)[SOURCE];
  }
  return body;
}

const discarded = new WeakSet<object>();

/**
 * Closes a body that will never be sent (a middleware that answers instead of the app):
 * `close()` once however often it is called here, and a failure of that close — thrown or
 * rejected — swallowed, since nobody is left to hear it (a stray rejection would end the process).
 * The promise, when close() is async, resolves when it is done.
 * @example closeBody(response.body); response.body = ['Not Modified'];
 */
export function closeBody(body: Body): void | Promise<void> {
  if (typeof body !== 'object' || body === null || discarded.has(body)) return;
  discarded.add(body);
  let result: unknown;
  try {
    result = body.close?.();
  } catch {
    return;
  }
  if (isPromise(result)) return Promise.resolve(result).then(noop, noop);
}

function noop(): void {}

/** How a body's life ended, for {@link onBodyDone}. */
export interface BodyOutcome {
  /** `finished`: every chunk was pulled; `closed`: closed before its end (client gone, never iterated); `error`: its iteration threw. */
  readonly state: 'finished' | 'closed' | 'error';
  /** Bytes the consumer pulled (a string counts as its UTF-8 bytes). */
  readonly bytes: number;
  /** What the iteration threw, for `error`. */
  readonly error?: unknown;
}

/**
 * The same chunks, each passed through `map` (it may return `''` to drop one). An array
 * stays an array (its length is still known up front), a sync body stays sync and an async
 * one async; closing the result closes `body`, once.
 * @example response.body = mapChunks(response.body, (chunk) => String(chunk).toUpperCase());
 */
export function mapChunks(body: Body, map: (chunk: Chunk) => Chunk): Body {
  if (Array.isArray(body)) return withClose((body as Chunk[]).map(map), body);
  return wrapSteps(body, (step) => (step.done ? step : { done: false, value: map(step.value) }));
}

/**
 * Runs `hook` exactly once when `body` is done with, whatever the outcome: it finished, it
 * was closed early (the client left, or it was never iterated) or its iteration threw.
 * It runs when the consumer closes the body (servers always do), so the bytes counted are the
 * bytes that went out. An array stays an array, a sync body sync; no promise is added.
 * @example response.body = onBodyDone(response.body, ({ state, bytes }) => log(state, bytes));
 */
export function onBodyDone(body: Body, hook: (outcome: BodyOutcome) => void): Body {
  let done = false;
  let bytes = 0;
  let state: BodyOutcome['state'] = 'closed';
  let error: unknown;
  const report = () => {
    if (done) return;
    done = true;
    hook(state === 'error' ? { state, bytes, error } : { state, bytes });
  };
  if (Array.isArray(body)) {
    // an array runs no code while it is sent: what was returned is what went out
    for (const chunk of body as Chunk[]) bytes += Math.max(0, byteLength(chunk));
    state = 'finished';
    return withClose((body as Chunk[]).slice(), body, report);
  }
  return wrapSteps(
    body,
    (step) => {
      if (step.done) state = 'finished';
      else bytes += Math.max(0, byteLength(step.value));
      return step;
    },
    report,
    (thrown) => {
      state = 'error';
      error = thrown;
    },
  );
}

/**
 * The body with every step of its iteration, and its close, run through `run`: what
 * `requestContext()` uses to keep an AsyncLocalStorage context while a body streams.
 * An array runs no code while it is sent, so it is returned as it is.
 * @example const inContext = bodyWithin(body, (step) => storage.run(environ, step));
 */
export function bodyWithin(body: Body, run: <T>(step: () => T) => T): Body {
  // an array runs no code while it is sent: nothing to wrap, and it keeps its known length
  if (Array.isArray(body)) return body;
  const close = body.close;
  return wraps(
    wrapBody(body, {
      iterator: (make) => iteratorWithin(run(make), run),
      close: close === undefined ? undefined : () => run(() => close.call(body)),
    }),
    body,
  );
}

/** An iterator whose `next`, `return` and `throw` each run through `run`. */
function iteratorWithin<I extends BodyIterator>(iterator: I, run: <T>(step: () => T) => T): I {
  const wrapped: Partial<Record<'next' | 'return' | 'throw', (...args: unknown[]) => unknown>> = {};
  for (const method of ['next', 'return', 'throw'] as const) {
    const fn = iterator[method] as ((...args: unknown[]) => unknown) | undefined;
    if (fn !== undefined) wrapped[method] = (...args) => run(() => fn.apply(iterator, args));
  }
  return wrapped as unknown as I;
}

/** A copy of `chunks` whose close() closes `source` and then runs `after`, once. */
function withClose(chunks: Chunk[], source: Body, after?: () => void): Body {
  let closed = false;
  Object.defineProperty(chunks, 'close', {
    value: () => {
      if (closed) return;
      closed = true;
      let result: unknown;
      try {
        result = source.close?.();
      } finally {
        if (!isPromise(result)) after?.();
      }
      if (isPromise(result)) return Promise.resolve(result).finally(after);
    },
  });
  return chunks as Body;
}

/**
 * The body with each iterator step passed through `onStep`; closing it returns the source
 * iterator (when unfinished), closes the source body and runs `after`, all once.
 * Sync stays sync, async stays async.
 */
function wrapSteps(
  body: Body,
  onStep: (step: IteratorResult<Chunk>) => IteratorResult<Chunk>,
  after?: () => void,
  onError?: (error: unknown) => void,
): Body {
  const isAsync = typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function';
  let iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined;
  let finished = false;
  let closed = false;
  let closing: void | Promise<void>;
  // a second call gets the first one's outcome: a sync return() starts the close, and the
  // server's close() after it must hear how it ended
  const close = (): void | Promise<void> => {
    if (closed) return closing;
    closed = true;
    closing = closeOnce();
    return closing;
  };
  const closeOnce = (): void | Promise<void> => {
    let returned: unknown;
    if (iterator !== undefined && !finished) {
      finished = true;
      try {
        returned = iterator.return?.();
      } catch (error) {
        onError?.(error);
      }
    }
    if (isPromise(returned)) {
      // the source's finally blocks run before its close(), as a server orders them
      return Promise.resolve(returned)
        .then(undefined, onError)
        .then(() => body.close?.())
        .then(() => {})
        .finally(after);
    }
    let result: unknown;
    try {
      result = body.close?.();
    } finally {
      if (!isPromise(result)) after?.();
    }
    if (isPromise(result))
      return Promise.resolve(result)
        .then(() => {})
        .finally(after);
  };
  const step = (result: IteratorResult<Chunk>): IteratorResult<Chunk> => {
    if (result.done) finished = true;
    // a step that lands after close() began (an async source busy when the client left) is
    // thrown away by the consumer: it must not count as sent
    return closed ? result : onStep(result);
  };
  const failed = (error: unknown): never => {
    finished = true;
    onError?.(error);
    throw error;
  };
  if (isAsync) {
    const source = body as AsyncIterable<Chunk>;
    const it: AsyncIterator<Chunk> = {
      next: () => {
        iterator ??= source[Symbol.asyncIterator]();
        return (iterator as AsyncIterator<Chunk>).next().then(step, failed);
      },
      return: async (value?: unknown) => {
        await close();
        return { done: true, value };
      },
    };
    return wraps({ [Symbol.asyncIterator]: () => it, close }, body);
  }
  const source = body as Iterable<Chunk>;
  const it: Iterator<Chunk> = {
    next: () => {
      iterator ??= source[Symbol.iterator]();
      let result: IteratorResult<Chunk>;
      try {
        result = (iterator as Iterator<Chunk>).next();
      } catch (error) {
        return failed(error);
      }
      return step(result);
    },
    return: (value?: unknown) => {
      void close();
      return { done: true, value };
    },
  };
  return wraps({ [Symbol.iterator]: () => it, close }, body);
}
