import { hasCrLfNul, splitAbsoluteForm, TOKEN } from '../http/syntax.js';
import type { EarlyHints, Environ, ErrorStream } from '../types.js';
import { show } from './rules.js';
import type { Exchange } from './state.js';

/** The keys every environ has (SPEC.md, "The environ"). */
const REQUIRED = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
  'REMOTE_ADDR',
  'REMOTE_PORT',
  'tsgi.version',
  'tsgi.url_scheme',
  'tsgi.input',
  'tsgi.errors',
  'tsgi.multithread',
  'tsgi.multiprocess',
  'tsgi.run_once',
  'tsgi.raw_uri',
  'tsgi.signal',
  'tsgi.early_hints',
] as const;

const TSGI_KEYS = new Set<string>(REQUIRED.filter((key) => key.startsWith('tsgi.')));
const HTTP_KEY = /^HTTP_[A-Z0-9_]+$/;
const LONE_SURROGATE = /\p{Cs}/u;
const NOT_RAW_QUERY = /[#\0-\x20\x7f]/;
const DIGITS = /^\d+$/;
const PROTOCOL = /^HTTP\/\d(\.\d)?$/;

/** Input wrappers made by a validator: a validator inside another keeps the outer one's. */
const validatedInputs = new WeakSet<object>();

/** Checks the environ a server built (or a middleware passed on), before the app sees it. */
export function checkEnviron(environ: Environ, startResponse: unknown, x: Exchange): void {
  for (const key of REQUIRED) {
    if (!(key in environ) || (!key.includes('.') && environ[key] === undefined))
      x.fail('environ-missing-key', key);
  }
  if ('HTTP_CONTENT_TYPE' in environ) x.fail('http-content-type');
  if ('HTTP_CONTENT_LENGTH' in environ) x.fail('http-content-length');
  for (const key of Object.keys(environ)) {
    if (key.startsWith('tsgi.')) {
      if (!TSGI_KEYS.has(key)) x.fail('tsgi-key-unknown', key);
      continue;
    }
    if (key.includes('.')) continue; // a package's key: its own accessor checks it
    const value = environ[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') x.fail('cgi-value-type', `${key} is ${show(value)}`);
    if (!key.startsWith('HTTP_')) continue;
    if (!HTTP_KEY.test(key)) x.fail('http-key-format', key);
    if (hasCrLfNul(value)) x.fail('http-value-chars', key);
  }
  checkRequestLine(environ, x);
  checkServer(environ, x);
  checkTsgiKeys(environ, x);
  if (typeof startResponse !== 'function') x.fail('start-response-type', show(startResponse));
}

function checkRequestLine(environ: Environ, x: Exchange): void {
  const { REQUEST_METHOD: method, SCRIPT_NAME: script, PATH_INFO: path } = environ;
  if (!TOKEN.test(method)) x.fail('request-method-token', show(method));
  if (script !== '' && !script.startsWith('/')) x.fail('script-name-format', show(script));
  if (script.endsWith('/')) x.fail('script-name-trailing-slash', show(script));
  if (path !== '' && !path.startsWith('/')) x.fail('path-info-format', show(path));
  // `OPTIONS *` asks about the server, not a path: the one request with both empty
  if (script === '' && path === '' && environ['tsgi.raw_uri'] !== '*') x.fail('path-empty');
  if (LONE_SURROGATE.test(script) || LONE_SURROGATE.test(path)) x.fail('path-wellformed');
  if (NOT_RAW_QUERY.test(environ.QUERY_STRING)) x.fail('query-string-format', show(environ.QUERY_STRING));
  const length = environ.CONTENT_LENGTH;
  if (length !== undefined && !DIGITS.test(length)) x.fail('environ-content-length', show(length));
}

function checkServer(environ: Environ, x: Exchange): void {
  if (environ.SERVER_NAME === '') x.fail('server-name-empty');
  if (!DIGITS.test(environ.SERVER_PORT)) x.fail('server-port-format', show(environ.SERVER_PORT));
  if (!PROTOCOL.test(environ.SERVER_PROTOCOL))
    x.fail('server-protocol-format', show(environ.SERVER_PROTOCOL));
  if (environ.SERVER_PROTOCOL === 'HTTP/1.1' && environ.HTTP_HOST === undefined) x.fail('http-host-missing');
}

function checkTsgiKeys(environ: Environ, x: Exchange): void {
  const version: unknown = environ['tsgi.version'];
  if (!Array.isArray(version) || version.length !== 2 || version[0] !== 1 || version[1] !== 0) {
    x.fail('tsgi-version', show(version));
  }
  const scheme: unknown = environ['tsgi.url_scheme'];
  if (scheme !== 'http' && scheme !== 'https') x.fail('url-scheme', show(scheme));
  const input = environ['tsgi.input'] as Partial<AsyncIterable<unknown>> | null;
  if (typeof input?.[Symbol.asyncIterator] !== 'function') x.fail('input-type', show(input));
  const errors = environ['tsgi.errors'] as Partial<ErrorStream> | null;
  if (typeof errors?.write !== 'function') x.fail('errors-type', show(errors));
  for (const key of ['tsgi.multithread', 'tsgi.multiprocess', 'tsgi.run_once'] as const) {
    if (typeof environ[key] !== 'boolean') x.fail('flag-type', `${key} is ${show(environ[key])}`);
  }
  const raw: unknown = environ['tsgi.raw_uri'];
  if (typeof raw !== 'string' || !(raw.startsWith('/') || raw === '*' || splitAbsoluteForm(raw) !== null)) {
    x.fail('raw-uri-format', show(raw));
  }
  if (!(environ['tsgi.signal'] instanceof AbortSignal)) x.fail('signal-type', show(environ['tsgi.signal']));
  if (typeof environ['tsgi.early_hints'] !== 'function')
    x.fail('early-hints-type', show(environ['tsgi.early_hints']));
}

/** Replaces `tsgi.input`, `tsgi.errors` and `tsgi.early_hints` with wrappers that check how the app uses them. */
export function watchRequestStreams(environ: Environ, x: Exchange): void {
  const input = environ['tsgi.input'];
  // the input's identity is the body's: keep it through nested validators (readers share one read by it)
  if (!validatedInputs.has(input)) environ['tsgi.input'] = watchInput(input, x);
  environ['tsgi.errors'] = watchErrors(environ['tsgi.errors'], x);
  environ['tsgi.early_hints'] = watchEarlyHints(environ['tsgi.early_hints'], x);
}

function watchInput(input: AsyncIterable<Uint8Array>, x: Exchange): AsyncIterable<Uint8Array> {
  const declared = x.environ.CONTENT_LENGTH;
  const limit = declared === undefined ? -1 : Number(declared);
  let started = false;
  const watched: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (started) x.fail('input-read-twice');
      started = true;
      const iterator = input[Symbol.asyncIterator]();
      let received = 0;
      return {
        async next() {
          if (x.closed) x.fail('input-after-response');
          const step = await iterator.next();
          if (step.done) {
            if (received < limit) x.fail('input-too-short', `${received} of ${limit} bytes`);
            return step;
          }
          const chunk: unknown = step.value;
          if (!(chunk instanceof Uint8Array)) x.fail('input-chunk-type', show(chunk));
          received += chunk.byteLength;
          if (limit !== -1 && received > limit) x.fail('input-too-long', `${received} > ${limit} bytes`);
          return step;
        },
        async return(value?: unknown) {
          await iterator.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
  validatedInputs.add(watched);
  return watched;
}

function watchErrors(errors: ErrorStream, x: Exchange): ErrorStream {
  return {
    write(message: unknown) {
      if (typeof message !== 'string') x.fail('errors-write-type', show(message));
      errors.write(message);
    },
  };
}

function watchEarlyHints(earlyHints: EarlyHints, x: Exchange): EarlyHints {
  return (links: unknown) => {
    if (!Array.isArray(links) || !links.every((link) => typeof link === 'string' && !hasCrLfNul(link))) {
      x.fail('early-hints-args', show(links));
    }
    if (x.started) x.fail('early-hints-late');
    earlyHints(links);
  };
}
