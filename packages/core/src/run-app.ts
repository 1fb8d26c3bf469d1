import { isPromise } from './body/chunk.js';
import { InternalServerError, isHTTPError } from './errors.js';
import { isBodylessStatus } from './http/syntax.js';
import {
  ContractError,
  checkHeaders,
  chunkLength,
  isChunkValue,
  notABody,
  parseStatus,
} from './response-checks.js';
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

// The phases of a response, in order. `finish` and `fail` move an exchange from Head or Sending
// to one of the last five, where it stays; every check of "is it over?" is `phase >= Bodyless`.
/** The head has not gone out yet: startResponse may (still) be called, or called again with an error. */
const Head = 0;
/** The head went out; body bytes follow. */
const Sending = 1;
/** The head went out for HEAD, 1xx, 204, 205 or 304: over, and later writes are dropped. */
const Bodyless = 2;
/** Over: the whole body went out (or, short of its Content-Length, the connection was aborted). */
const Ended = 3;
/** Over: the app failed before the head went out; an error page answers instead. */
const Failed = 4;
/** Over: the app failed after the head went out; the connection was aborted. */
const Aborted = 5;
/** Over: the client went away; nothing more is sent. */
const Gone = 6;
type Phase =
  | typeof Head
  | typeof Sending
  | typeof Bodyless
  | typeof Ended
  | typeof Failed
  | typeof Aborted
  | typeof Gone;

/** One request's response: the state behind `startResponse` and the body pump. */
class Exchange {
  private phase: Phase = Head;
  private status = 0;
  private reason = '';
  private headers: HeaderList | null = null;
  private contentLength = -1;
  private sent = 0;
  /** The body until it is closed: close() clears it, so it runs once. */
  private body: Body | undefined;
  private iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined;
  private watching = false;

  constructor(
    private readonly environ: Environ,
    private readonly sink: ResponseSink,
    /** This exchange answers with an error page: if that fails too, give up rather than recurse. */
    private readonly answersError = false,
  ) {}

  readonly startResponse: StartResponse = (status, headers, error) => {
    if (error !== undefined) {
      // too late to replace the head once it went out (or once the client left)
      if (this.phase !== Head && this.phase !== Failed) throw error;
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
    if (this.phase >= Bodyless) {
      // HEAD, 204, 205, 304, or nobody listening: bytes go nowhere
      if (this.phase === Bodyless || this.phase === Gone) return;
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
    if (this.phase >= Bodyless) {
      // write() already finished the response (HEAD, 204), or the client left while the app ran
      this.close();
      return;
    }
    try {
      if (Array.isArray(body)) return this.pumpArray(body as Chunk[]);
      if (typeof (body as AsyncIterable<Chunk> | undefined)?.[Symbol.asyncIterator] === 'function') {
        this.iterator = (body as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
        this.watchClient();
        return this.pumpAsync(this.iterator).catch((error) => this.fail(error));
      }
      if (
        typeof (body as Iterable<Chunk> | undefined)?.[Symbol.iterator] !== 'function' ||
        isChunkValue(body)
      ) {
        throw notABody(body);
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
    // too long is known before the head goes out: a 500, rather than a cut that may look whole
    if (
      this.phase === Head &&
      this.contentLength !== -1 &&
      this.sent + total > this.contentLength &&
      !this.sink.bodyless &&
      !isBodylessStatus(this.status)
    ) {
      throw new ContractError(`the app sent more than its Content-Length of ${this.contentLength} bytes`);
    }
    return this.pumpArrayFrom(chunks, 0, total);
  }

  private pumpArrayFrom(chunks: Chunk[], from: number, total: number): Promise<void> | undefined {
    const last = chunks.length - 1;
    for (let i = from; i < last; i++) {
      if (this.phase === Gone) return;
      if (!this.send(chunks[i] as Chunk, total)) {
        this.watchClient();
        return this.resumeAfterDrain(() => this.pumpArrayFrom(chunks, i + 1, total));
      }
      if (this.phase >= Bodyless) return;
    }
    // the last chunk goes out with the end: one write for a single-chunk body
    this.finish(total, chunks[last]);
  }

  private pumpSync(iterator: Iterator<Chunk>): Promise<void> | undefined {
    for (;;) {
      if (this.phase === Gone) return;
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
      if (this.phase >= Bodyless) return; // HEAD or a bodyless status: nothing more is needed
    }
  }

  private async pumpAsync(iterator: AsyncIterator<Chunk>): Promise<void> {
    for (;;) {
      if (this.phase === Gone) return; // the client left before the first pull
      const step = await iterator.next();
      if ((this.phase as Phase) === Gone) return; // it may have left while the app worked
      if (step.done) {
        this.iterator = undefined;
        this.finish(undefined);
        return;
      }
      if (!this.send(step.value, undefined)) await this.sink.drained();
      if (this.phase >= Bodyless) return;
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
    if (this.phase === Head) this.sendHead(knownLength);
    if (this.phase >= Bodyless) return true;
    this.count(length);
    return this.sink.write(chunk);
  }

  /** Counts bytes about to go out; more than the app's Content-Length is its error. */
  private count(length: number): void {
    this.sent += length;
    if (this.contentLength !== -1 && this.sent > this.contentLength) {
      throw new ContractError(`the app sent more than its Content-Length of ${this.contentLength} bytes`);
    }
  }

  private sendHead(knownLength: number | undefined): void {
    if (this.headers === null) {
      throw new ContractError('the app did not call startResponse before its first body chunk');
    }
    let headers = this.headers;
    const bodyless = isBodylessStatus(this.status);
    // an empty body for HEAD says nothing of the GET's length (RFC 9110 §8.6): no `Content-Length: 0`
    const lengthKnown = knownLength !== undefined && (knownLength > 0 || !this.sink.bodyless);
    if (!bodyless && this.contentLength === -1 && lengthKnown) {
      // a copy, made at its final size: the app's list may be a constant it sends every time
      const count = headers.length;
      const withLength: HeaderList = new Array(count + 1);
      for (let i = 0; i < count; i++) withLength[i] = headers[i] as [string, string];
      withLength[count] = ['Content-Length', String(knownLength)];
      headers = withLength;
    }
    this.sink.sendHead(this.status, this.reason, headers);
    // only now: a head the sink refused (node throws on a character it cannot send) is still a 500
    this.phase = Sending;
    // no body bytes for HEAD, 204, 205, 304: stop pulling and end
    if (bodyless || this.sink.bodyless) {
      this.phase = Bodyless;
      this.end(undefined, 0);
    }
  }

  /** Ends the response, sending `last` (the final chunk, when the pump knows it) with the end. */
  private finish(knownLength: number | undefined, last?: Chunk): void {
    if (this.phase >= Bodyless) return;
    const length = last === undefined ? 0 : chunkLength(last);
    if (length > 0 || this.phase === Head) {
      if (this.phase === Head) this.sendHead(knownLength ?? length);
      if (this.phase >= Bodyless) return; // sendHead finished a bodyless response
      this.count(length);
    }
    this.phase = Ended;
    this.end(last, length);
  }

  /** The end of a response that went out: whole, or aborted when short of its Content-Length. */
  private end(last: Chunk | undefined, length: number): void {
    if (this.contentLength > this.sent && this.phase !== Bodyless) {
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
    if (this.phase >= Bodyless) {
      if (this.phase !== Gone) this.log('error after the response ended', error);
      this.close();
      return;
    }
    const headSent = this.phase === Sending;
    this.phase = headSent ? Aborted : Failed;
    this.close();
    if (headSent) {
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
      if (this.phase >= Bodyless) return;
      this.phase = Gone;
      this.close();
    });
  }

  /** Returns an unfinished iterator and calls `body.close()`, exactly once. */
  private close(): void {
    const body = this.body;
    if (body === undefined) return; // a body not yet returned is closed on arrival; a closed one is gone
    this.body = undefined;
    const iterator = this.iterator;
    this.iterator = undefined;
    try {
      const returned = iterator?.return?.();
      if (isPromise(returned))
        returned.then(undefined, (error) => this.log('iterator return() failed', error));
    } catch (error) {
      this.log('iterator return() failed', error);
    }
    if (typeof body?.close !== 'function') return;
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
