import { isPromise } from '../body/chunk.js';
import { isHTTPError } from '../errors.js';
import { ContractError } from '../response-checks.js';
import type { App, Body, Chunk, Environ, HeaderList, StartResponse, Write } from '../types.js';
import { closeBody, wraps } from './body.js';
import { CAPTURED_BY, Captured } from './captured.js';

type Step = IteratorResult<Chunk>;

/**
 * The slow paths' view of one capture's state (a lazy `startResponse`, `write()` output, a body
 * that is not an array): made only for them, see {@link capture}.
 */
interface Recorder {
  readonly status: string | undefined;
  readonly headers: HeaderList;
  readonly error: unknown;
  /** Whether write() output waits to be handed out. */
  readonly holding: boolean;
  /** Keeps a chunk to hand out after the write() output before it. */
  hold(chunk: Chunk): void;
  /** The oldest write() output not yet handed out. */
  nextWritten(): Chunk | undefined;
  /** All write() output not yet handed out, which is then gone. */
  takeWritten(): Chunk[];
  /** The body is an array handed on: nothing could carry a late write(). */
  seal(): void;
  /** Where a late `startResponse(…, error)` goes once the response went on ({@link send}). */
  forward(outer: StartResponse): void;
}

// What `headers` is until startResponse gives the real list (never handed out, never changed).
const NO_HEADERS: HeaderList = Object.freeze([]) as unknown as HeaderList;

/**
 * Calls an app and gives back its response as a {@link Captured} `{ status, headers, body }`,
 * without buffering the body. It copes with everything the contract allows an app to do:
 * a lazy `startResponse` (called inside the iterator, before the first chunk: the body is
 * pulled until it has been called, as werkzeug's `run_wsgi_app` does), `write()` output
 * (folded into the body, in order), the `error` argument, and sync, async and array bodies
 * or a `Promise<Body>`. A thrown {@link HTTPError} comes back as the response it renders to
 * (the error page, negotiated by `Accept`), so a header middleware sees error pages too;
 * anything else thrown propagates.
 *
 * Synchronous when the app is (an array body returned after `startResponse`: no promise,
 * and the very same array), else a promise.
 * @example
 * const poweredBy: Middleware = (app) => (environ, startResponse) =>
 *   andThen(capture(app, environ), (response) => send(response.appendHeader('X-Powered-By', 'tsgi'), startResponse));
 */
export function capture(app: App, environ: Environ): Captured | Promise<Captured> {
  // The state is this call's own variables, not a Recorder object's fields (its arrow-function
  // fields made an object, a context and two closures a call; an app V8 inlines now calls a
  // closure it can see). Callgrind, in-process, hello through 10 stacked mapResponse layers:
  // 1,142 → 925 instructions a call (bench/results/2026-12-01-count.md, "Fourth session").
  let status: string | undefined;
  let headers = NO_HEADERS;
  let error: unknown;
  // write() output not yet handed to the consumer, in order; made by the first (most apps never write)
  let written: Chunk[] | undefined;
  // set when the body is an array passed on untouched: nothing could carry a late write()
  let sealed = false;
  // the outer startResponse, once the response went on: a late call with `error` goes there
  let outer: StartResponse | undefined;

  const hold = (chunk: Chunk): void => {
    if (written === undefined) written = [chunk];
    else written.push(chunk);
  };
  const write: Write = (chunk) => {
    if (status === undefined) throw new ContractError('write() called before startResponse');
    if (sealed) {
      throw new ContractError(
        'write() called after the app returned an array body: return the chunks instead',
      );
    }
    hold(chunk);
  };
  const startResponse: StartResponse = (newStatus, newHeaders, newError) => {
    if (outer !== undefined) {
      outer(newStatus, newHeaders, newError);
      return write;
    }
    if (sealed) {
      // an array is sent without running code: this call comes from outside the response (a
      // timer, or the array's close(), which runs once the response is over)
      throw new ContractError('startResponse called after the app returned an array body');
    }
    if (newError === undefined && status !== undefined) {
      throw new ContractError('startResponse called a second time without an error');
    }
    status = newStatus;
    headers = newHeaders;
    if (newError !== undefined) error = newError;
    return write;
  };

  let body: Body | Promise<Body>;
  try {
    body = app(environ, startResponse);
  } catch (thrown) {
    return fromError(thrown, environ);
  }
  // the fast path: the very same array, nothing to fold in, nothing that could call back later
  // (a promise first, as the server awaits one: an array with a `then` is a promise of a body)
  if (!isPromise<Body>(body) && Array.isArray(body) && status !== undefined && written === undefined) {
    sealed = true;
    return new Captured(status, headers, body as Body, error);
  }
  const recorder: Recorder = {
    get status() {
      return status;
    },
    get headers() {
      return headers;
    },
    get error() {
      return error;
    },
    get holding() {
      return written !== undefined && written.length > 0;
    },
    hold,
    nextWritten: () => written?.shift(),
    takeWritten: () => written?.splice(0) ?? [],
    seal: () => {
      sealed = true;
    },
    forward: (to) => {
      outer = to;
    },
  };
  if (isPromise<Body>(body)) {
    return Promise.resolve(body).then(
      (resolved) => settle(recorder, resolved, environ),
      (thrown: unknown) => fromError(thrown, environ),
    );
  }
  return settle(recorder, body, environ);
}

/**
 * Passes a captured (possibly changed) response on through the outer `startResponse`, with
 * the `error` the app gave, and returns the body to return from the middleware. When the outer
 * `startResponse` throws, the body is closed (nothing else will) and the error re-thrown. After this,
 * a late `startResponse(…, error)` of the wrapped app (inside its body) goes to the outer one.
 * @example return send(response, startResponse);
 */
export function send(response: Captured, startResponse: StartResponse): Body {
  try {
    // the same list the app gave (or a copy the methods made): a server reads it, never changes it
    startResponse(response.status, response.headers as HeaderList, response.error);
  } catch (error) {
    // the head was refused (a CR/LF in a value, say): the body will never be sent or closed by anyone else
    void closeBody(response.body);
    throw error;
  }
  (response[CAPTURED_BY] as Recorder | undefined)?.forward(startResponse);
  return response.body;
}

/**
 * Applies `next` to a value that may be a promise: synchronously when it is not, so that a
 * synchronous app stays synchronous through a middleware.
 * @example return andThen(capture(app, environ), (response) => send(response, startResponse));
 */
export function andThen<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return isPromise<T>(value) ? Promise.resolve(value).then(next) : next(value);
}

function fromError(error: unknown, environ: Environ): Captured | Promise<Captured> {
  if (isHTTPError(error)) return capture(error, environ);
  throw error;
}

/** The response of a capture whose body is not an array: a late `startResponse(…, error)` may follow it. */
function captured(recorder: Recorder, body: Body): Captured {
  const response = new Captured(recorder.status as string, recorder.headers, body, recorder.error);
  response[CAPTURED_BY] = recorder;
  return response;
}

/** The capture's response once the app's body (or promise of one) is there: see {@link capture}. */
function settle(recorder: Recorder, body: Body, environ: Environ): Captured | Promise<Captured> {
  if (Array.isArray(body)) {
    if (recorder.status === undefined) return noStart(body);
    // an array runs no code, so nothing can follow it: sealed, as capture()'s own fast path
    recorder.seal();
    if (!recorder.holding)
      return new Captured(recorder.status, recorder.headers, body as Body, recorder.error);
    // write() output comes before the chunks
    const chunks = [...recorder.takeWritten(), ...(body as Chunk[])];
    const close = (body as Body).close;
    if (close !== undefined) Object.defineProperty(chunks, 'close', { value: () => close.call(body) });
    return new Captured(recorder.status, recorder.headers, chunks, recorder.error);
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    throw new ContractError(
      'the app returned a bare string or bytes; return an iterable of chunks, e.g. [text]',
    );
  }
  if (typeof (body as AsyncIterable<Chunk> | null)?.[Symbol.asyncIterator] === 'function') {
    const folded = new AsyncFolded(recorder, body as AsyncIterable<Chunk> & Body);
    if (recorder.status !== undefined) return captured(recorder, folded.body());
    return folded.pullUntilStarted().then(
      () => captured(recorder, folded.body()),
      (error: unknown) => fromError(error, environ),
    );
  }
  if (typeof (body as Iterable<Chunk> | null)?.[Symbol.iterator] !== 'function') {
    throw new ContractError('the app returned something that is not an Iterable or AsyncIterable body');
  }
  const folded = new SyncFolded(recorder, body as Iterable<Chunk> & Body);
  if (recorder.status === undefined) {
    try {
      folded.pullUntilStarted();
    } catch (error) {
      return fromError(error, environ);
    }
  }
  return captured(recorder, folded.body());
}

function noStart(body: Body): never {
  void closeBody(body);
  throw new ContractError('the app returned its body without calling startResponse');
}

/**
 * The body as the consumer sees it: chunks pulled while waiting for `startResponse`, then
 * the rest, with `write()` output slotted in where it was written. Closing it returns the
 * source iterator and closes the source body, once.
 */
abstract class Folded<I extends Iterator<Chunk> | AsyncIterator<Chunk>> {
  protected iterator: I | undefined;
  protected finished = false;
  private closed = false;
  private closing: void | Promise<void> = undefined;

  constructor(
    protected readonly recorder: Recorder,
    protected readonly source: Body,
  ) {}

  protected abstract open(): I;

  protected ensureIterator(): I {
    this.iterator ??= this.open();
    return this.iterator;
  }

  /** The next chunk to hand out when write() output is waiting, before `pulled` (if any). */
  protected queued(pulled: Step | undefined): Step | undefined {
    if (pulled !== undefined && !pulled.done) this.recorder.hold(pulled.value);
    const next = this.recorder.nextWritten();
    if (next !== undefined) return { done: false, value: next };
    return pulled;
  }

  close(): void | Promise<void> {
    // a second call gets the first one's outcome (a sync return() began it; close() follows)
    if (this.closed) return this.closing;
    this.closed = true;
    this.closing = this.closeOnce();
    return this.closing;
  }

  private closeOnce(): void | Promise<void> {
    const iterator = this.iterator;
    let returned: unknown;
    if (iterator !== undefined && !this.finished) {
      try {
        returned = iterator.return?.();
      } catch {
        // a failing return() must not keep close() from the body
      }
    }
    const closing = this.source.close?.();
    if (isPromise(returned) || isPromise(closing)) {
      return Promise.all([Promise.resolve(returned).catch(() => {}), closing]).then(() => {});
    }
  }

  protected failed(error: unknown): never {
    this.finished = true;
    void closeBody(this.source);
    this.closed = true;
    throw error;
  }

  protected noStartResponse(): never {
    return this.failed(new ContractError('the app returned its body without calling startResponse'));
  }
}

class SyncFolded extends Folded<Iterator<Chunk>> {
  protected open(): Iterator<Chunk> {
    return (this.source as Iterable<Chunk>)[Symbol.iterator]();
  }

  pullUntilStarted(): void {
    for (;;) {
      let step: Step;
      try {
        step = this.ensureIterator().next();
      } catch (error) {
        this.failed(error);
      }
      if (step.done) this.finished = true;
      else this.recorder.hold(step.value);
      if (this.recorder.status !== undefined) return;
      if (step.done) this.noStartResponse();
    }
  }

  next(): Step {
    if (this.recorder.holding || this.finished)
      return this.queued(undefined) ?? { done: true, value: undefined };
    const step = this.ensureIterator().next();
    if (step.done) this.finished = true;
    return this.queued(step) as Step;
  }

  body(): Body {
    const iterator: Iterator<Chunk> = {
      next: () => this.next(),
      return: (value?: unknown) => {
        void this.close();
        return { done: true, value };
      },
    };
    return wraps({ [Symbol.iterator]: () => iterator, close: () => this.close() }, this.source);
  }
}

class AsyncFolded extends Folded<AsyncIterator<Chunk>> {
  protected open(): AsyncIterator<Chunk> {
    return (this.source as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
  }

  async pullUntilStarted(): Promise<void> {
    for (;;) {
      let step: Step;
      try {
        step = await this.ensureIterator().next();
      } catch (error) {
        return this.failed(error);
      }
      if (step.done) this.finished = true;
      else this.recorder.hold(step.value);
      if (this.recorder.status !== undefined) return;
      if (step.done) return this.noStartResponse();
    }
  }

  async next(): Promise<Step> {
    if (this.recorder.holding || this.finished)
      return this.queued(undefined) ?? { done: true, value: undefined };
    const step = await this.ensureIterator().next();
    if (step.done) this.finished = true;
    return this.queued(step) as Step;
  }

  body(): Body {
    const iterator: AsyncIterator<Chunk> = {
      next: () => this.next(),
      return: async (value?: unknown) => {
        await this.close();
        return { done: true, value };
      },
    };
    return wraps({ [Symbol.asyncIterator]: () => iterator, close: () => this.close() }, this.source);
  }
}
