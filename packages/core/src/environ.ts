import { BadRequest } from './errors.js';
import { splitAbsoluteForm } from './http/syntax.js';
import type { EarlyHints, Environ, ErrorStream } from './types.js';

/** What a server knows about a request, from which {@link createEnviron} builds the environ. */
export interface EnvironInit {
  method: string;
  /** The request-target exactly as received: `/a%20b?x=1` (or absolute-form, or `*`). */
  target: string;
  /** Header names and values in order, flat: `[name, value, name, value, …]` (Node's `req.rawHeaders`). */
  rawHeaders: readonly string[];
  /** The request body, exactly: never more than its Content-Length. */
  input: AsyncIterable<Uint8Array>;
  /** `HTTP/1.1` unless given. */
  protocol?: string;
  scheme?: 'http' | 'https';
  serverName: string;
  serverPort: string;
  remoteAddr?: string;
  remotePort?: string;
  /** Where `tsgi.errors` writes; standard error unless given. */
  errors?: ErrorStream;
  /** Fires when the client goes away. */
  signal?: AbortSignal;
  earlyHints?: EarlyHints;
  multithread?: boolean;
  multiprocess?: boolean;
  runOnce?: boolean;
}

const VERSION = Object.freeze([1, 0] as const);

/** Writes `tsgi.errors` to standard error, one message per write. */
export const stderrErrors: ErrorStream = {
  write(message: string) {
    process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  },
};

const noEarlyHints: EarlyHints = () => {};
const neverAborted = new AbortController().signal;

// Environ keys by raw header name: the few names a site sees are computed once.
// Bounded, so that a client sending random names cannot grow it. With commonHeaderKey below,
// measured (npm run bench:count): computing every key costs hello 59,898 instructions per
// request against 55,742, /user/:id 63,734 against 59,716, a 1 KB echo 86,762 against 77,633:
// the two buy 6.9%, 6.3% and 10.5%.
const headerKeys = new Map<string, string | null>();
const HEADER_KEY_CACHE_LIMIT = 512;

/** `User-Agent` → `HTTP_USER_AGENT`; `Content-Type` → `CONTENT_TYPE`; null for a name with `_`. */
export function headerKey(name: string): string | null {
  let key: string | null | undefined = commonHeaderKey(name);
  if (key !== undefined) return key;
  key = headerKeys.get(name);
  if (key !== undefined) return key;
  if (name.includes('_')) {
    key = null; // would be indistinguishable from the same name spelled with `-`
  } else {
    const upper = name.toUpperCase().replaceAll('-', '_');
    key = upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH' ? upper : `HTTP_${upper}`;
  }
  if (headerKeys.size < HEADER_KEY_CACHE_LIMIT) headerKeys.set(name, key);
  return key;
}

/**
 * The keys of the commonest names, as HTTP/1.1 clients spell them (`Host`) and as lower-case
 * ones do (`host`). The parser makes new strings for every request, and a Map would hash each
 * one first; `===` against a constant only compares characters, and only at the right length.
 */
function commonHeaderKey(name: string): string | undefined {
  switch (name.length) {
    case 4:
      return name === 'Host' || name === 'host' ? 'HTTP_HOST' : undefined;
    case 6:
      if (name === 'Accept' || name === 'accept') return 'HTTP_ACCEPT';
      if (name === 'Cookie' || name === 'cookie') return 'HTTP_COOKIE';
      return name === 'Origin' || name === 'origin' ? 'HTTP_ORIGIN' : undefined;
    case 7:
      return name === 'Referer' || name === 'referer' ? 'HTTP_REFERER' : undefined;
    case 10:
      if (name === 'User-Agent' || name === 'user-agent') return 'HTTP_USER_AGENT';
      return name === 'Connection' || name === 'connection' ? 'HTTP_CONNECTION' : undefined;
    case 12:
      return name === 'Content-Type' || name === 'content-type' ? 'CONTENT_TYPE' : undefined;
    case 14:
      return name === 'Content-Length' || name === 'content-length' ? 'CONTENT_LENGTH' : undefined;
    case 15:
      if (name === 'Accept-Encoding' || name === 'accept-encoding') return 'HTTP_ACCEPT_ENCODING';
      return name === 'Accept-Language' || name === 'accept-language' ? 'HTTP_ACCEPT_LANGUAGE' : undefined;
    default:
      return undefined;
  }
}

/**
 * Splits a request-target into its raw path and query, and decodes the path.
 * Throws {@link BadRequest} for a path that is not valid percent-encoded UTF-8 or holds NUL.
 */
export function splitTarget(target: string): { path: string; query: string } {
  const mark = target.indexOf('?');
  let raw = mark === -1 ? target : target.slice(0, mark);
  const query = mark === -1 ? '' : target.slice(mark + 1);
  if (raw.charCodeAt(0) !== 47 /* / */) {
    if (raw === '*') return { path: '', query };
    // absolute-form (`GET http://host/path`), as proxies receive it
    const absolute = splitAbsoluteForm(raw);
    if (absolute === null) throw new BadRequest(`Request-target must start with '/': ${raw.slice(0, 64)}`);
    if (absolute.authority === '') throw new BadRequest('An absolute-form request-target needs a host');
    raw = absolute.rest || '/';
  }
  return { path: decodePath(raw), query };
}

function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw new BadRequest('The request path is not valid percent-encoded UTF-8');
  }
  if (path.includes('\0')) throw new BadRequest('The request path contains NUL');
  return path;
}

/**
 * Builds a spec-correct environ (SPEC.md) from what a server read off the wire.
 * Repeated headers are joined with `, ` (`Cookie` with `; `); headers whose name holds `_`
 * are dropped; an absolute-form target's host replaces `Host`. Throws {@link BadRequest} for an
 * undecodable path, a second `Host`, or conflicting `Content-Length`/`Content-Type`.
 * @example
 * const environ = createEnviron({ method: 'GET', target: '/hi?x=1', rawHeaders: ['Host', 'example.com'],
 *   input: emptyInput, serverName: 'example.com', serverPort: '80' });
 */
export function createEnviron(init: EnvironInit): Environ {
  const { path, query } = splitTarget(init.target);
  const environ: Environ = {
    REQUEST_METHOD: init.method,
    SCRIPT_NAME: '',
    PATH_INFO: path,
    QUERY_STRING: query,
    SERVER_NAME: init.serverName,
    SERVER_PORT: init.serverPort,
    SERVER_PROTOCOL: init.protocol ?? 'HTTP/1.1',
    REMOTE_ADDR: init.remoteAddr ?? '',
    REMOTE_PORT: init.remotePort ?? '',
    'tsgi.version': VERSION,
    'tsgi.url_scheme': init.scheme ?? 'http',
    'tsgi.input': init.input,
    'tsgi.errors': init.errors ?? stderrErrors,
    'tsgi.multithread': init.multithread ?? false,
    'tsgi.multiprocess': init.multiprocess ?? false,
    'tsgi.run_once': init.runOnce ?? false,
    'tsgi.raw_uri': init.target,
    'tsgi.signal': init.signal ?? neverAborted,
    'tsgi.early_hints': init.earlyHints ?? noEarlyHints,
  };
  addHeaders(environ, init.rawHeaders);
  // RFC 9112 §3.2.2: an absolute-form target's authority replaces Host, so URLs are built from it
  if (init.target.charCodeAt(0) !== 47 /* / */ && init.target !== '*') {
    const absolute = splitAbsoluteForm(init.target);
    if (absolute !== null) environ.HTTP_HOST = absolute.authority;
  }
  return environ;
}

/** Adds `HTTP_*`, `CONTENT_TYPE` and `CONTENT_LENGTH` from a flat raw header list. */
export function addHeaders(environ: Environ, rawHeaders: readonly string[]): void {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = headerKey(rawHeaders[i] as string);
    if (key === null) continue;
    const value = rawHeaders[i + 1] as string;
    const previous = environ[key] as string | undefined;
    if (previous === undefined) environ[key] = value;
    // RFC 9112 §3.2: one request names one host; a proxy and the app could each read another
    else if (key === 'HTTP_HOST') throw new BadRequest('More than one Host header');
    else if (key === 'CONTENT_LENGTH' || key === 'CONTENT_TYPE') {
      // one body has one length and one type: two different ones are a smuggling attempt
      if (previous !== value)
        throw new BadRequest(
          `Conflicting ${key === 'CONTENT_TYPE' ? 'Content-Type' : 'Content-Length'} headers`,
        );
    } else environ[key] = `${previous}${key === 'HTTP_COOKIE' ? '; ' : ', '}${value}`;
  }
}

/** An empty request body. Frozen: every request without a body shares it. */
export const emptyInput: AsyncIterable<Uint8Array> = Object.freeze({
  async *[Symbol.asyncIterator]() {},
});
