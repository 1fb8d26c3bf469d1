import { isHTTPError } from '../errors.js';
import { type ResponseSink, runApp } from '../run-app.js';
import type { App, Chunk, Environ, HeaderList } from '../types.js';
import { validate } from '../validate/index.js';
import { detached, reportOf } from '../validate/state.js';
import { type MockRequest, mockEnviron } from './environ.js';

/** The request {@link request} makes. Every field is optional: the default is `GET /`. */
export interface TestRequestInit extends MockRequest {
  /**
   * Reject with the app's error instead of resolving with the 500 (or the cut-short response)
   * the server made of it. Default true: an unexpected error fails the test with its own stack.
   * A thrown HTTPError is an answer, not a failure: it resolves with its response either way.
   * A contract violation (a `ValidationError`) is always an error worth failing on, and
   * rejects unless this is false.
   */
  rethrow?: boolean;
}

/** What the app answered, fully read. */
export interface TestResponse {
  readonly status: number;
  readonly statusText: string;
  /** Case-insensitive: `headers.get('content-type')`; `headers.getSetCookie()` for every cookie. */
  readonly headers: Headers;
  /** The headers exactly as sent, in order, as `[name, value]` pairs. */
  readonly headerList: HeaderList;
  /** False when the response was cut short: an error after the headers, or the client went away. */
  readonly complete: boolean;
  /** The app's error (with `rethrow: false`, or a thrown HTTPError): the violation, the throw, or the abort. */
  readonly error: unknown;
  /** What was written to `tsgi.errors` (the server logs an app's error there). */
  readonly log: string;
  /** The `Link` values of each 103 Early Hints the app sent. */
  readonly earlyHints: readonly (readonly string[])[];
  /** The body, decoded as UTF-8. */
  text(): string;
  /** The body, parsed as JSON. */
  json<T = unknown>(): T;
  /** The body's bytes. */
  bytes(): Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Collects a response in memory: a client that always has room. */
class MemorySink implements ResponseSink {
  status = 0;
  reason = '';
  headers: HeaderList = [];
  chunks: Uint8Array[] = [];
  ended = false;
  aborted: unknown = undefined;
  isAborted = false;

  constructor(
    readonly bodyless: boolean,
    private readonly signal: AbortSignal | undefined,
  ) {}

  sendHead(status: number, reason: string, headers: HeaderList): void {
    this.status = status;
    this.reason = reason;
    this.headers = headers.map(([name, value]) => [name, value]);
  }

  write(chunk: Chunk): boolean {
    // a copy: the app may reuse its buffer once the chunk is written
    this.chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : new Uint8Array(chunk));
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  end(last?: Chunk): void {
    if (last !== undefined) this.write(last);
    this.ended = true;
  }

  abort(error: unknown): void {
    this.isAborted = true;
    this.aborted = error;
  }

  onGone(listener: () => void): void {
    this.signal?.addEventListener('abort', listener, { once: true });
  }
}

/**
 * Calls an app in-process, with no socket, the way a server would — like werkzeug's `Client`
 * or Hono's `app.request` — and returns the whole response. The environ is the one a real
 * server builds ({@link mockEnviron}), the app runs under {@link validate} (so a broken contract
 * fails the test) and under `runApp`, the same driver as `serve()`: Content-Length, HEAD,
 * lazy headers and the 500 of an error all behave as on the wire.
 *
 * By default an error the app throws rejects the promise with it, so the test fails with
 * its stack; pass `rethrow: false` to get the server's 500 (or cut-short) response, with the
 * error in `response.error`. A thrown HTTPError just answers: it resolves with its response.
 * @example
 * const response = await request(app, { url: '/users', json: { name: 'Ada' } });
 * expect(response.status).toBe(201);
 * expect(response.json()).toEqual({ id: 1, name: 'Ada' });
 */
export async function request(app: App, init: TestRequestInit = {}): Promise<TestResponse> {
  const log: string[] = [];
  const hints: string[][] = [];
  const errorStream = { write: (message: string) => void log.push(message) };
  const earlyHints = (links: string[]) => void hints.push([...links]);
  let environ: Environ;
  let target: App = validate(app);
  try {
    environ = mockEnviron({ ...init, errors: errorStream, earlyHints });
  } catch (error) {
    if (!isHTTPError(error)) throw error;
    // what a server answers before any app runs (an undecodable path): the error itself
    environ = mockEnviron({ ...init, url: '/', errors: errorStream, earlyHints });
    target = error;
  }
  const sink = new MemorySink(environ.REQUEST_METHOD === 'HEAD', init.signal);
  const gone = new Promise<void>((resolve) => sink.onGone(resolve));
  await Promise.race([detached(() => runApp(target, environ, sink)), gone]);
  const { violations, errors } = reportOf(environ);
  const complete = sink.ended && !init.signal?.aborted;
  const thrown = errors[0];
  const error = violations[0] ?? thrown ?? sink.aborted;
  if (init.rethrow ?? true) {
    if (violations[0] !== undefined) throw violations[0];
    const answered = isHTTPError(thrown) && complete && sink.status === thrown.status;
    if (thrown !== undefined && !answered) throw thrown;
    if (sink.isAborted) throw sink.aborted;
  }
  return testResponse(sink, complete, error, log.join(''), hints);
}

function testResponse(
  sink: MemorySink,
  complete: boolean,
  error: unknown,
  log: string,
  earlyHints: string[][],
): TestResponse {
  const headers = new Headers();
  for (const [name, value] of sink.headers) headers.append(name, value);
  const body = sink.chunks.length === 1 ? (sink.chunks[0] as Uint8Array) : Buffer.concat(sink.chunks);
  return {
    status: sink.status,
    statusText: sink.reason,
    headers,
    headerList: sink.headers,
    complete,
    error,
    log,
    earlyHints,
    text: () => decoder.decode(body),
    json: <T>() => JSON.parse(decoder.decode(body)) as T,
    bytes: () => new Uint8Array(body),
  };
}
