import { isPromise } from '../body/chunk.js';
import { isHTTPError } from '../errors.js';
import { ContractError } from '../response-checks.js';
import type { App, Body, Chunk, Environ, HeaderList, StartResponse, Write } from '../types.js';
import { closeBody, wraps } from './body.js';
import { CAPTURED_BY, Captured } from './captured.js';

type Step = IteratorResult<Chunk>;

/**
 * What one captured call of an app has said so far: the `startResponse` and `write` it was
 * given, and where they lead once the response was passed on ({@link forward}).
 */
// What `headers` is until startResponse gives the real list (never handed out, never changed).
const NO_HEADERS: HeaderList = Object.freeze([]) as unknown as HeaderList;

class Recorder {
  status: string | undefined;
  headers: HeaderList = NO_HEADERS;
  error: unknown;
  /** write() output not yet handed to the consumer, in order; made by the first (most apps never write). */
  written: Chunk[] | undefined = undefined;
  /** Set when the body is an array passed on untouched: nothing could carry a late write(). */
  sealed = false;
  /** The outer startResponse, once the response went on: a late call with `error` goes there. */
  outer: StartResponse | undefined;

  readonly startResponse: StartResponse = (status, headers, error) => {
    if (this.outer !== undefined) {
      this.outer(status, headers, error);
      return this.write;
    }
    if (error === undefined && this.status !== undefined) {
      throw new ContractError('startResponse called a second time without an error');
    }
    this.status = status;
    this.headers = headers;
    if (error !== undefined) this.error = error;
    return this.write;
  };

  readonly write: Write = (chunk) => {
    if (this.status === undefined) throw new ContractError('write() called before startResponse');
    if (this.sealed) {
      throw new ContractError(
        'write() called after the app returned an array body: return the chunks instead',
      );
    }
    this.hold(chunk);
  };

  hold(chunk: Chunk): void {
    if (this.written === undefined) this.written = [chunk];
    else this.written.push(chunk);
  }

  /** Whether write() output waits to be handed out. */
  get holding(): boolean {
    return this.written !== undefined && this.written.length > 0;
  }
}

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
  const recorder = new Recorder();
  let body: Body | Promise<Body>;
  try {
    body = app(environ, recorder.startResponse);
  } catch (error) {
    return fromError(error, environ);
  }
  if (isPromise<Body>(body)) {
    return Promise.resolve(body).then(
      (resolved) => settle(recorder, resolved, environ),
      (error: unknown) => fromError(error, environ),
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
  const recorder = response[CAPTURED_BY] as Recorder | undefined;
  if (recorder !== undefined) recorder.outer = startResponse;
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

function captured(recorder: Recorder, body: Body): Captured {
  const response = new Captured(recorder.status as string, recorder.headers, body, recorder.error);
  response[CAPTURED_BY] = recorder;
  return response;
}

function settle(recorder: Recorder, body: Body, environ: Environ): Captured | Promise<Captured> {
  // the fast path, the very same array, apart from the rest so that V8 inlines it into capture()
  if (Array.isArray(body) && recorder.status !== undefined && !recorder.holding) {
    recorder.sealed = true;
    return captured(recorder, body);
  }
  return settleOther(recorder, body, environ);
}

function settleOther(recorder: Recorder, body: Body, environ: Environ): Captured | Promise<Captured> {
  if (Array.isArray(body)) {
    // write() output comes before the chunks; an array runs no code, so nothing can follow
    const chunks = [...(recorder.written?.splice(0) ?? []), ...(body as Chunk[])];
    if (recorder.status === undefined) return noStart(body);
    recorder.sealed = true;
    const close = (body as Body).close;
    if (close !== undefined) Object.defineProperty(chunks, 'close', { value: () => close.call(body) });
    return captured(recorder, chunks);
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
    const next = this.recorder.written?.shift();
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
