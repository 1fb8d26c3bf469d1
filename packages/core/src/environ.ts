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

// Environ keys by raw header name: the few names a site sees are computed once (with the common
// names below, first measured at 6.9% of hello's instructions). Bounded, so that a client
// sending random names cannot grow it. The commonest names never get here when
// the server builds an environ (addCommonHeader below); it is what `request.headers.get()` and
// the rarer request headers use.
const headerKeys = new Map<string, string | null>();
const HEADER_KEY_CACHE_LIMIT = 512;

/** `User-Agent` → `HTTP_USER_AGENT`; `Content-Type` → `CONTENT_TYPE`; null for a name with `_`. */
export function headerKey(name: string): string | null {
  let key = headerKeys.get(name);
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
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    if (addCommonHeader(environ, name, value)) continue;
    const key = headerKey(name);
    if (key === null) continue;
    if (key === 'HTTP_HOST') environ.HTTP_HOST = oneHost(environ.HTTP_HOST, value);
    else if (key === 'CONTENT_LENGTH' || key === 'CONTENT_TYPE') {
      environ[key] = sameForBody(environ[key], value, key);
    } else environ[key] = joined(environ[key] as string | undefined, value, key === 'HTTP_COOKIE');
  }
}

/**
 * Adds a header of one of the commonest names, as HTTP/1.1 clients spell them (`Host`) and
 * lower-case ones do (`host`); false for any other name. Each store names its property
 * (`environ.HTTP_HOST = …`): V8 compiles that inline, where `environ[key] = …` with a key that
 * varies is a megamorphic keyed store (~300 instructions each, and a load as many to find a
 * repeated header). The parser makes new name strings for every request, so `===` against a
 * constant (only at the right length) also spares hashing each one for the headerKey Map.
 * Measured (npm run bench:count, paired runs, 2026-12-01): hello 56,981 instructions per request
 * with the keyed store, 55,826 with this (-2.0%); /user/:id and echo in results/2026-12-01-count.md.
 */
function addCommonHeader(environ: Environ, name: string, value: string): boolean {
  switch (name.length) {
    case 4:
      if (name !== 'Host' && name !== 'host') return false;
      environ.HTTP_HOST = oneHost(environ.HTTP_HOST, value);
      return true;
    case 6:
      if (name === 'Accept' || name === 'accept') environ.HTTP_ACCEPT = joined(environ.HTTP_ACCEPT, value);
      else if (name === 'Cookie' || name === 'cookie')
        environ.HTTP_COOKIE = joined(environ.HTTP_COOKIE, value, true);
      else if (name === 'Origin' || name === 'origin')
        environ.HTTP_ORIGIN = joined(environ.HTTP_ORIGIN, value);
      else return false;
      return true;
    case 7:
      if (name !== 'Referer' && name !== 'referer') return false;
      environ.HTTP_REFERER = joined(environ.HTTP_REFERER, value);
      return true;
    case 10:
      if (name === 'User-Agent' || name === 'user-agent')
        environ.HTTP_USER_AGENT = joined(environ.HTTP_USER_AGENT, value);
      else if (name === 'Connection' || name === 'connection')
        environ.HTTP_CONNECTION = joined(environ.HTTP_CONNECTION, value);
      else return false;
      return true;
    case 12:
      if (name !== 'Content-Type' && name !== 'content-type') return false;
      environ.CONTENT_TYPE = sameForBody(environ.CONTENT_TYPE, value, 'CONTENT_TYPE');
      return true;
    case 14:
      if (name !== 'Content-Length' && name !== 'content-length') return false;
      environ.CONTENT_LENGTH = sameForBody(environ.CONTENT_LENGTH, value, 'CONTENT_LENGTH');
      return true;
    case 15:
      if (name === 'Accept-Encoding' || name === 'accept-encoding')
        environ.HTTP_ACCEPT_ENCODING = joined(environ.HTTP_ACCEPT_ENCODING, value);
      else if (name === 'Accept-Language' || name === 'accept-language')
        environ.HTTP_ACCEPT_LANGUAGE = joined(environ.HTTP_ACCEPT_LANGUAGE, value);
      else return false;
      return true;
    default:
      return false;
  }
}

/** A repeated header's values joined with `, ` (`Cookie`'s with `; `). */
function joined(previous: string | undefined, value: string, cookie = false): string {
  if (previous === undefined) return value;
  return `${previous}${cookie ? '; ' : ', '}${value}`;
}

/** RFC 9112 §3.2: one request names one host; a proxy and the app could each read another. */
function oneHost(previous: string | undefined, value: string): string {
  if (previous !== undefined) throw new BadRequest('More than one Host header');
  return value;
}

/** One body has one length and one type: two different ones are a smuggling attempt. */
function sameForBody(previous: unknown, value: string, key: 'CONTENT_LENGTH' | 'CONTENT_TYPE'): string {
  if (previous !== undefined && previous !== value) {
    throw new BadRequest(`Conflicting ${key === 'CONTENT_TYPE' ? 'Content-Type' : 'Content-Length'} headers`);
  }
  return value;
}

/** An empty request body. Frozen: every request without a body shares it. */
export const emptyInput: AsyncIterable<Uint8Array> = Object.freeze({
  async *[Symbol.asyncIterator]() {},
});
