import { createEnviron } from '../environ.js';
import { isHTTPError } from '../errors.js';
import { splitAbsoluteForm } from '../http/syntax.js';
import { type ResponseSink, runApp } from '../run-app.js';
import type { App, Chunk, Environ, HeaderList } from '../types.js';
import { validate } from '../validate/index.js';
import { detached, reportOf } from '../validate/state.js';

/** The request {@link request} makes. Every field is optional: the default is `GET /`. */
export interface TestRequestInit {
  /** Default `GET`, or `POST` when there is a `body` or `json`. */
  method?: string;
  /** A request-target (`/users/7?tab=posts`, sent as is, not normalized) or an absolute
   * `http(s)://` URL, which also sets the scheme, SERVER_NAME, SERVER_PORT and Host. Default `/`. */
  url?: string;
  /** Request headers; a name may repeat (an array value, or a repeated pair). */
  headers?: Record<string, string | readonly string[]> | HeaderList | Headers;
  /** The request body. A string is sent as UTF-8, URLSearchParams as a form (with its
   * Content-Type), an async iterable streams with `Transfer-Encoding: chunked`. */
  body?: string | Uint8Array | URLSearchParams | AsyncIterable<Uint8Array>;
  /** A value to send as JSON, with `Content-Type: application/json`. */
  json?: unknown;
  /** REMOTE_ADDR. Default `127.0.0.1`. */
  remoteAddr?: string;
  /** Aborting it is the client going away: `tsgi.signal` fires and the server stops the body.
   * `request()` resolves when the response ends, so an endless stream (server-sent events) needs one. */
  signal?: AbortSignal;
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

/** Splits `url` into what the environ needs. */
function parseUrl(url: string): {
  scheme: 'http' | 'https';
  host: string;
  name: string;
  port: string;
  target: string;
} {
  const withoutFragment = url.split('#', 1)[0] as string;
  const absolute = splitAbsoluteForm(withoutFragment);
  if (absolute === null) {
    if (!withoutFragment.startsWith('/') && withoutFragment !== '*') {
      throw new TypeError(
        `request(): url must start with '/' or be an absolute http(s) URL, got ${JSON.stringify(url)}`,
      );
    }
    return { scheme: 'http', host: 'localhost', name: 'localhost', port: '80', target: withoutFragment };
  }
  const scheme = absolute.scheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new TypeError(`request(): unsupported scheme ${scheme}`);
  const authority = new URL(`${scheme}://${absolute.authority}`);
  const name = authority.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = authority.port || (scheme === 'https' ? '443' : '80');
  const target = absolute.rest.startsWith('/') ? absolute.rest : `/${absolute.rest}`; // `http://h?x` is `/?x`
  return { scheme, host: authority.host, name, port, target };
}

function headerPairs(headers: TestRequestInit['headers']): HeaderList {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers;
  if (headers instanceof Headers) return [...headers];
  const pairs: HeaderList = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of typeof value === 'string' ? [value] : value) pairs.push([name, one]);
  }
  return pairs;
}

/** The request body as bytes (when its length is known) or a stream, and the headers it implies. */
function requestBody(init: TestRequestInit): {
  bytes?: Uint8Array;
  stream?: AsyncIterable<Uint8Array>;
  type?: string;
} {
  if (init.json !== undefined)
    return { bytes: encoder.encode(JSON.stringify(init.json)), type: 'application/json' };
  const body = init.body;
  if (body === undefined) return {};
  if (typeof body === 'string') return { bytes: encoder.encode(body), type: 'text/plain; charset=utf-8' };
  if (body instanceof Uint8Array) return { bytes: body };
  if (body instanceof URLSearchParams) {
    return { bytes: encoder.encode(body.toString()), type: 'application/x-www-form-urlencoded' };
  }
  return { stream: body };
}

/** Builds the environ a real server would build for this request (through createEnviron). */
function buildEnviron(init: TestRequestInit, log: string[], hints: string[][]): Environ {
  const { scheme, host, name, port, target } = parseUrl(init.url ?? '/');
  const body = requestBody(init);
  const given = headerPairs(init.headers);
  const has = (header: string) => given.some(([key]) => key.toLowerCase() === header);
  const raw: string[] = [];
  if (!has('host')) raw.push('Host', host);
  for (const [key, value] of given) raw.push(key, value);
  if (body.type !== undefined && !has('content-type')) raw.push('Content-Type', body.type);
  if (body.bytes !== undefined && !has('content-length'))
    raw.push('Content-Length', String(body.bytes.byteLength));
  if (body.stream !== undefined && !has('content-length')) raw.push('Transfer-Encoding', 'chunked');
  const bytes = body.bytes;
  const input: AsyncIterable<Uint8Array> = body.stream ?? {
    async *[Symbol.asyncIterator]() {
      if (bytes !== undefined && bytes.byteLength > 0) yield bytes;
    },
  };
  const hasBody = body.bytes !== undefined || body.stream !== undefined;
  return createEnviron({
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    target,
    rawHeaders: raw,
    input,
    scheme,
    serverName: name,
    serverPort: port,
    remoteAddr: init.remoteAddr ?? '127.0.0.1',
    remotePort: '50000',
    errors: { write: (message) => log.push(message) },
    signal: init.signal,
    earlyHints: (links) => hints.push([...links]),
  });
}

/**
 * Calls an app in-process, with no socket, the way a server would — like werkzeug's `Client`
 * or Hono's `app.request` — and returns the whole response. The environ is the one a real
 * server builds (`createEnviron`), the app runs under {@link validate} (so a broken contract
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
  let environ: Environ;
  let target: App = validate(app);
  try {
    environ = buildEnviron(init, log, hints);
  } catch (error) {
    if (!isHTTPError(error)) throw error;
    // what a server answers before any app runs (an undecodable path): the error itself
    environ = buildEnviron({ ...init, url: '/' }, log, hints);
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
