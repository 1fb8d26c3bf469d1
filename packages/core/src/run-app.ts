import { byteLength, isPromise } from './body/chunk.js';
import { InternalServerError, isHTTPError } from './errors.js';
import { isHopByHop } from './http/hop-by-hop.js';
import { hasCrLfNul, isBodylessStatus, TOKEN } from './http/syntax.js';
import type { App, Body, Chunk, Environ, HeaderList, StartResponse, Write } from './types.js';

/**
 * Where a server puts a response: the only part of a server that differs between
 * node:http, CGI, fetch and the test client. {@link runApp} does everything else.
 */
export interface ResponseSink {
  /** Sends the status line and the final headers (`Content-Length` already added when known). */
  sendHead(status: number, reason: string, headers: HeaderList): void;
  /** Sends bytes; returns false when the consumer is full: the next chunk waits for `drained()`. */
  write(chunk: Chunk): boolean;
  /** Resolves when the consumer wants more (or is gone). */
  drained(): Promise<void>;
  /** The response is complete; `last`, when given, is its final chunk (one write instead of two). */
  end(last?: Chunk): void;
  /** The response is not complete: make that visible (abort the connection, error the stream). */
  abort(error: unknown): void;
  /** Calls `listener` once if the client goes away before the end. */
  onGone?(listener: () => void): void;
  /** No body bytes may be sent (a HEAD request). */
  readonly bodyless?: boolean;
}

const STATUS = /^([2-5]\d\d) ([^\r\n\0]+)$/; // 1xx are not final: see tsgi.early_hints
const DIGITS = /^\d+$/;

/** Thrown when an app breaks the contract (the server answers 500 or aborts). */
export class ContractError extends TypeError {
  override name = 'ContractError';
}

/** A parsed status line. */
interface Status {
  readonly code: number;
  readonly reason: string;
}

// Apps send a handful of status lines and header names, over and over: each is checked once,
// then looked up. Bounded, so that an app echoing client input cannot grow them.
const CACHE_LIMIT = 256;
const statuses = new Map<string, Status>();
const NAME_OK = 0;
const NAME_CONTENT_LENGTH = 1;
const headerNames = new Map<string, number>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size < CACHE_LIMIT) cache.set(key, value);
  return value;
}

function parseStatus(status: unknown): Status {
  if (typeof status === 'string') {
    const known = statuses.get(status);
    if (known !== undefined) return known;
    const match = STATUS.exec(status);
    if (match !== null)
      return remember(statuses, status, { code: Number(match[1]), reason: match[2] as string });
  }
  throw new ContractError(`startResponse: status ${JSON.stringify(status)} is not "NNN Reason"`);
}

/** NAME_OK or NAME_CONTENT_LENGTH for a header name an app may send; throws for any other. */
function classifyName(name: unknown): number {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ContractError(`startResponse: header name ${JSON.stringify(name)} is not an HTTP token`);
  }
  const lower = name.toLowerCase();
  if (isHopByHop(lower)) {
    throw new ContractError(
      `startResponse: ${name} is a hop-by-hop header; the server manages the connection`,
    );
  }
  if (lower === 'status') {
    throw new ContractError('startResponse: a Status header; pass the status as the first argument');
  }
  return remember(headerNames, name, lower === 'content-length' ? NAME_CONTENT_LENGTH : NAME_OK);
}

/** Checks a header list; returns its Content-Length, or -1 when it has none. */
function checkHeaders(headers: unknown, status: number): number {
  if (!Array.isArray(headers))
    throw new ContractError('startResponse: headers must be an array of [name, value]');
  let contentLength = -1;
  for (let i = 0; i < headers.length; i++) {
    const pair: unknown = headers[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ContractError(`startResponse: header ${i} must be a [name, value] pair`);
    }
    const name: unknown = pair[0];
    const value: unknown = pair[1];
    const kind = headerNames.get(name as string) ?? classifyName(name);
    if (typeof value !== 'string' || hasCrLfNul(value)) {
      throw new ContractError(
        `startResponse: header ${name} has a value that is not a string free of CR, LF and NUL`,
      );
    }
    if (kind === NAME_CONTENT_LENGTH) {
      // two lengths let a proxy and a client disagree on where the response ends
      if (contentLength !== -1) throw new ContractError('startResponse: more than one Content-Length header');
      if (!DIGITS.test(value))
        throw new ContractError(`startResponse: Content-Length ${JSON.stringify(value)} is not a number`);
      if (status === 204) throw new ContractError('startResponse: a 204 response has no Content-Length');
      contentLength = Number(value);
    }
  }
  return contentLength;
}

/** The bytes of a chunk; throws for a value that is not one. */
function chunkLength(chunk: Chunk): number {
  const length = byteLength(chunk);
  if (length === -1) {
    throw new ContractError(`the body yielded a ${typeof chunk}; chunks must be Uint8Array or string`);
  }
  return length;
}

/** One request's response: the state behind `startResponse` and the body pump. */
class Exchange {
  private status = 0;
  private reason = '';
  private headers: HeaderList | null = null;
  private contentLength = -1;
  private headersSent = false;
  private sent = 0;
  private closed = false;
  private done = false;
  private gone = false;
  private watching = false;
  private discarding = false;
  private body: Body | undefined;
  private iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined;

  constructor(
    private readonly environ: Environ,
    private readonly sink: ResponseSink,
    /** This exchange answers with an error page: if that fails too, give up rather than recurse. */
    private readonly answersError = false,
  ) {}

  readonly startResponse: StartResponse = (status, headers, error) => {
    if (error !== undefined) {
      if (this.headersSent) throw error;
    } else if (this.headers !== null) {
      throw new ContractError('startResponse called a second time without an error');
    }
    const { code, reason } = parseStatus(status);
    this.contentLength = checkHeaders(headers, code);
    this.status = code;
    this.reason = reason;
    this.headers = headers;
    return this.write;
  };

  private readonly write: Write = (chunk) => {
    if (this.headers === null) throw new ContractError('write() called before startResponse');
    if (this.done) {
      if (this.discarding || this.gone) return; // HEAD, 204, 205, 304, or nobody listening: bytes go nowhere
      throw new ContractError('write() called after the response ended');
    }
    if (!this.send(chunk, undefined)) return this.sink.drained();
  };

  /** Runs the app: synchronously to the end when it can, else returns a promise. */
  run(app: App): Promise<void> | undefined {
    let body: Body | Promise<Body>;
    try {
      body = app(this.environ, this.startResponse);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isPromise<Body>(body)) {
      // pump() handles its own errors, so one then() with both handlers is enough
      return Promise.resolve(
        body.then(
          (b) => this.pump(b),
          (error) => this.fail(error),
        ),
      );
    }
    return this.pump(body);
  }

  private pump(body: Body): Promise<void> | undefined {
    this.body = body;
    if (this.done) {
      // write() already finished the response (HEAD, 204), or the client left while the app ran
      this.close();
      return;
    }
    try {
      if (Array.isArray(body)) return this.pumpArray(body as Chunk[]);
      if (typeof body === 'string' || body instanceof Uint8Array) {
        throw new ContractError(
          'the app returned a bare string or bytes; return an iterable of chunks, e.g. [text]',
        );
      }
      if (typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function') {
        this.iterator = (body as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
        this.watchClient();
        return this.pumpAsync(this.iterator).catch((error) => this.fail(error));
      }
      if (typeof (body as Iterable<Chunk>)?.[Symbol.iterator] !== 'function') {
        throw new ContractError('the app returned something that is not an Iterable or AsyncIterable body');
      }
      this.iterator = (body as Iterable<Chunk>)[Symbol.iterator]();
      return this.pumpSync(this.iterator as Iterator<Chunk>);
    } catch (error) {
      this.fail(error);
    }
  }

  /** An array: its length is known, so it goes out with Content-Length (the hello-world fast path). */
  private pumpArray(chunks: Chunk[]): Promise<void> | undefined {
    let total = 0;
    for (let i = 0; i < chunks.length; i++) total += chunkLength(chunks[i] as Chunk);
    return this.pumpArrayFrom(chunks, 0, total);
  }

  private pumpArrayFrom(chunks: Chunk[], from: number, total: number): Promise<void> | undefined {
    const last = chunks.length - 1;
    for (let i = from; i < last; i++) {
      if (this.gone) return;
      if (!this.send(chunks[i] as Chunk, total)) {
        this.watchClient();
        return this.resumeAfterDrain(() => this.pumpArrayFrom(chunks, i + 1, total));
      }
      if (this.done) return;
    }
    // the last chunk goes out with the end: one write for a single-chunk body
    this.finish(total, chunks[last]);
  }

  private pumpSync(iterator: Iterator<Chunk>): Promise<void> | undefined {
    for (;;) {
      if (this.gone) return;
      const step = iterator.next();
      if (step.done) {
        this.iterator = undefined;
        this.finish(undefined);
        return;
      }
      if (!this.send(step.value, undefined)) {
        this.watchClient();
        return this.resumeAfterDrain(() => this.pumpSync(iterator));
      }
      if (this.done) return; // HEAD or a bodyless status: nothing more is needed
    }
  }

  private async pumpAsync(iterator: AsyncIterator<Chunk>): Promise<void> {
    for (;;) {
      if (this.gone) return; // the client left before the first pull
      const step = await iterator.next();
      if (this.gone) return;
      if (step.done) {
        this.iterator = undefined;
        this.finish(undefined);
        return;
      }
      if (!this.send(step.value, undefined)) await this.sink.drained();
      if (this.done) return;
    }
  }

  private resumeAfterDrain(next: () => Promise<void> | undefined): Promise<void> {
    return this.sink
      .drained()
      .then(next)
      .catch((error) => this.fail(error));
  }

  /**
   * Sends one chunk, sending the headers first if they have not gone out.
   * Returns false when the consumer is full.
   */
  private send(chunk: Chunk, knownLength: number | undefined): boolean {
    const length = chunkLength(chunk);
    if (length === 0) return true; // an empty chunk does not make the headers go out
    if (!this.headersSent) this.sendHead(knownLength);
    if (this.done) return true;
    this.sent += length;
    if (this.contentLength !== -1 && this.sent > this.contentLength) {
      throw new ContractError(`the app sent more than its Content-Length of ${this.contentLength} bytes`);
    }
    return this.sink.write(chunk);
  }

  private sendHead(knownLength: number | undefined): void {
    if (this.headers === null) {
      throw new ContractError('the app did not call startResponse before its first body chunk');
    }
    let headers = this.headers;
    const bodyless = isBodylessStatus(this.status);
    if (!bodyless && this.contentLength === -1 && knownLength !== undefined) {
      // a copy, made at its final size: the app's list may be a constant it sends every time
      const count = headers.length;
      const withLength: HeaderList = new Array(count + 1);
      for (let i = 0; i < count; i++) withLength[i] = headers[i] as [string, string];
      withLength[count] = ['Content-Length', String(knownLength)];
      headers = withLength;
    }
    this.sink.sendHead(this.status, this.reason, headers);
    // only now: a head the sink refused (node throws on a character it cannot send) is still a 500
    this.headersSent = true;
    // no body bytes for HEAD, 204, 205, 304: stop pulling and end
    if (bodyless || this.sink.bodyless) {
      this.discarding = true;
      this.finish(knownLength);
    }
  }

  /** Ends the response, sending `last` (the final chunk, when the pump knows it) with the end. */
  private finish(knownLength: number | undefined, last?: Chunk): void {
    if (this.done) return;
    const length = last === undefined ? 0 : chunkLength(last);
    if (length > 0 || !this.headersSent) {
      if (!this.headersSent) this.sendHead(knownLength ?? length);
      if (this.done) return; // sendHead finished a bodyless response
      this.sent += length;
      if (this.contentLength !== -1 && this.sent > this.contentLength) {
        throw new ContractError(`the app sent more than its Content-Length of ${this.contentLength} bytes`);
      }
    }
    this.done = true;
    if (this.contentLength > this.sent && !this.sink.bodyless && !isBodylessStatus(this.status)) {
      if (length > 0) this.sink.write(last as Chunk);
      this.sink.abort(
        new ContractError(`the app sent ${this.sent} of its Content-Length of ${this.contentLength} bytes`),
      );
    } else {
      this.sink.end(length > 0 ? last : undefined);
    }
    this.close();
  }

  /** An error from the app: a response if headers did not go out, else an aborted one. */
  private fail(error: unknown): void {
    if (this.done) {
      if (!this.gone) this.log('error after the response ended', error);
      this.close();
      return;
    }
    this.done = true;
    this.close();
    if (this.headersSent) {
      this.log('error after the response started; the connection is aborted', error);
      this.sink.abort(error);
      return;
    }
    const thrown = isHTTPError(error); // an answer, unless a 5xx
    const httpError = thrown ? error : new InternalServerError(undefined, { cause: error });
    if (!thrown || httpError.status >= 500) this.log('error before the response started', error);
    if (this.answersError) {
      this.sink.abort(error);
      return;
    }
    new Exchange(this.environ, this.sink, true).run(httpError);
  }

  private watchClient(): void {
    if (this.watching) return;
    this.watching = true;
    this.sink.onGone?.(() => {
      if (this.done) return;
      this.gone = true;
      this.done = true;
      this.close();
    });
  }

  /** Returns an unfinished iterator and calls `body.close()`, exactly once. */
  private close(): void {
    if (this.closed || this.body === undefined) return; // a body not yet returned is closed on arrival
    this.closed = true;
    const iterator = this.iterator;
    this.iterator = undefined;
    try {
      const returned = iterator?.return?.();
      if (isPromise(returned))
        returned.then(undefined, (error) => this.log('iterator return() failed', error));
    } catch (error) {
      this.log('iterator return() failed', error);
    }
    const body = this.body;
    if (body === undefined || typeof body.close !== 'function') return;
    try {
      const closed = body.close();
      if (isPromise(closed)) closed.then(undefined, (error) => this.log('body.close() failed', error));
    } catch (error) {
      this.log('body.close() failed', error);
    }
  }

  private log(what: string, error: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    const { REQUEST_METHOD, SCRIPT_NAME, PATH_INFO } = this.environ;
    // quoted: a decoded path may hold a newline, which must not start a forged log line
    const path = JSON.stringify(`${SCRIPT_NAME}${PATH_INFO}`);
    this.environ['tsgi.errors'].write(`tsgi: ${REQUEST_METHOD} ${path}: ${what}: ${detail}\n`);
  }
}

/**
 * Runs an app for one request and drives its response into `sink`, under every server
 * obligation of SPEC.md: startResponse checks (a 1xx refused), headers with the first
 * non-empty chunk, framing, no body for HEAD/204/205/304, `close()` exactly once, errors
 * before headers answered (500, or the thrown HTTPError), errors after aborting, and
 * backpressure.
 * Returns undefined when it finished synchronously, else a promise that never rejects.
 * @example
 * runApp(app, createEnviron(init), { sendHead, write, drained, end, abort });
 */
export function runApp(app: App, environ: Environ, sink: ResponseSink): Promise<void> | undefined {
  return new Exchange(environ, sink).run(app);
}
