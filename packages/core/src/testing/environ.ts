// testing/: drive an app in-process as a test does, without a socket (the `@tsgi/core/testing` subpath).
import { createEnviron } from '../environ.js';
import { splitAbsoluteForm } from '../http/syntax.js';
import type { EarlyHints, Environ, ErrorStream, HeaderList } from '../types.js';

const encoder = new TextEncoder();

/** A request as a test describes it: what {@link mockEnviron} and `request()` take. */
export interface MockRequest {
  /** Default `GET`, or `POST` when there is a `body` or `json`. */
  method?: string;
  /** A request-target (`/users/7?tab=posts`, sent as is, not normalized) or an absolute
   * `http(s)://` URL, which also sets the scheme, SERVER_NAME, SERVER_PORT and Host. Default `/`. */
  url?: string;
  /** Request headers; a name may repeat (an array value, or a repeated pair). A `Host` given
   * here replaces the one the URL implies. */
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
}

/** What {@link mockEnviron} takes: a request, and what a server would add to its environ. */
export interface MockEnvironInit extends MockRequest {
  /** `tsgi.input` exactly as given, with no header implied (unlike `body`). */
  input?: AsyncIterable<Uint8Array>;
  /** Where `tsgi.errors` writes. Default: standard error. */
  errors?: ErrorStream;
  /** `tsgi.early_hints`. Default: does nothing. */
  earlyHints?: EarlyHints;
  /**
   * Keys set on the environ last, as werkzeug's `environ_overrides`: `{ SCRIPT_NAME: '/app' }`
   * mounts the request; a key set to undefined is deleted (`{ HTTP_HOST: undefined }`).
   */
  environ?: Record<string, unknown>;
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

function headerPairs(headers: MockRequest['headers']): HeaderList {
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
function requestBody(init: MockRequest): {
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

/**
 * The environ a real server builds for a request (through the same `createEnviron` as
 * `serve()`), to call an app or a helper directly in a test — like werkzeug's `create_environ`.
 * With no argument, `GET /` for `localhost`, from `127.0.0.1`.
 * @example
 * const environ = mockEnviron({ method: 'POST', url: 'https://example.com/users?x=1', json: { name: 'Ada' } });
 * await Request.of(environ).json(); // { name: 'Ada' }
 * @example
 * mockEnviron({ url: '/7', environ: { SCRIPT_NAME: '/users' } }); // mounted at /users
 */
export function mockEnviron(init: MockEnvironInit = {}): Environ {
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
  const input: AsyncIterable<Uint8Array> = init.input ??
    body.stream ?? {
      async *[Symbol.asyncIterator]() {
        if (bytes !== undefined && bytes.byteLength > 0) yield bytes;
      },
    };
  const hasBody = body.bytes !== undefined || body.stream !== undefined;
  const environ = createEnviron({
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    target,
    rawHeaders: raw,
    input,
    scheme,
    serverName: name,
    serverPort: port,
    remoteAddr: init.remoteAddr ?? '127.0.0.1',
    remotePort: '50000',
    errors: init.errors,
    signal: init.signal,
    earlyHints: init.earlyHints,
  });
  for (const [key, value] of Object.entries(init.environ ?? {})) {
    if (value === undefined) delete environ[key];
    else environ[key] = value;
  }
  return environ;
}
