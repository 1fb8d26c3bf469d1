import { hasCrLfNul, splitAbsoluteForm, TOKEN } from '../http/syntax.js';
import { carryBodyRead } from '../toolkit/input.js';
import type { EarlyHints, Environ, ErrorStream } from '../types.js';
import { show } from './rules.js';
import type { AppCall } from './state.js';

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
export function checkEnviron(environ: Environ, startResponse: unknown, call: AppCall): void {
  for (const key of REQUIRED) {
    if (!(key in environ) || (!key.includes('.') && environ[key] === undefined))
      call.fail('environ-missing-key', key);
  }
  if ('HTTP_CONTENT_TYPE' in environ) call.fail('http-content-type');
  if ('HTTP_CONTENT_LENGTH' in environ) call.fail('http-content-length');
  for (const key of Object.keys(environ)) {
    if (key.startsWith('tsgi.')) {
      if (!TSGI_KEYS.has(key)) call.fail('tsgi-key-unknown', key);
      continue;
    }
    if (key.includes('.')) continue; // a package's key: its own accessor checks it
    const value = environ[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') call.fail('cgi-value-type', `${key} is ${show(value)}`);
    if (!key.startsWith('HTTP_')) continue;
    if (!HTTP_KEY.test(key)) call.fail('http-key-format', key);
    if (hasCrLfNul(value)) call.fail('http-value-chars', key);
  }
  checkRequestLine(environ, call);
  checkServer(environ, call);
  checkTsgiKeys(environ, call);
  if (typeof startResponse !== 'function') call.fail('start-response-type', show(startResponse));
}

function checkRequestLine(environ: Environ, call: AppCall): void {
  const { REQUEST_METHOD: method, SCRIPT_NAME: script, PATH_INFO: path } = environ;
  if (!TOKEN.test(method)) call.fail('request-method-token', show(method));
  if (script !== '' && !script.startsWith('/')) call.fail('script-name-format', show(script));
  if (script.endsWith('/')) call.fail('script-name-trailing-slash', show(script));
  if (path !== '' && !path.startsWith('/')) call.fail('path-info-format', show(path));
  // `OPTIONS *` asks about the server, not a path: the one request with both empty
  if (script === '' && path === '' && environ['tsgi.raw_uri'] !== '*') call.fail('path-empty');
  if (LONE_SURROGATE.test(script) || LONE_SURROGATE.test(path)) call.fail('path-wellformed');
  if (NOT_RAW_QUERY.test(environ.QUERY_STRING)) call.fail('query-string-format', show(environ.QUERY_STRING));
  const length = environ.CONTENT_LENGTH;
  if (length !== undefined && !DIGITS.test(length)) call.fail('environ-content-length', show(length));
}

function checkServer(environ: Environ, call: AppCall): void {
  if (environ.SERVER_NAME === '') call.fail('server-name-empty');
  if (!DIGITS.test(environ.SERVER_PORT)) call.fail('server-port-format', show(environ.SERVER_PORT));
  if (!PROTOCOL.test(environ.SERVER_PROTOCOL))
    call.fail('server-protocol-format', show(environ.SERVER_PROTOCOL));
  if (environ.SERVER_PROTOCOL === 'HTTP/1.1' && environ.HTTP_HOST === undefined)
    call.fail('http-host-missing');
}

function checkTsgiKeys(environ: Environ, call: AppCall): void {
  const version: unknown = environ['tsgi.version'];
  if (!Array.isArray(version) || version.length !== 2 || version[0] !== 1 || version[1] !== 0) {
    call.fail('tsgi-version', show(version));
  }
  const scheme: unknown = environ['tsgi.url_scheme'];
  if (scheme !== 'http' && scheme !== 'https') call.fail('url-scheme', show(scheme));
  const input = environ['tsgi.input'] as Partial<AsyncIterable<unknown>> | null;
  if (typeof input?.[Symbol.asyncIterator] !== 'function') call.fail('input-type', show(input));
  const errors = environ['tsgi.errors'] as Partial<ErrorStream> | null;
  if (typeof errors?.write !== 'function') call.fail('errors-type', show(errors));
  for (const key of ['tsgi.multithread', 'tsgi.multiprocess', 'tsgi.run_once'] as const) {
    if (typeof environ[key] !== 'boolean') call.fail('flag-type', `${key} is ${show(environ[key])}`);
  }
  const raw: unknown = environ['tsgi.raw_uri'];
  if (typeof raw !== 'string' || !(raw.startsWith('/') || raw === '*' || splitAbsoluteForm(raw) !== null)) {
    call.fail('raw-uri-format', show(raw));
  }
  if (!(environ['tsgi.signal'] instanceof AbortSignal))
    call.fail('signal-type', show(environ['tsgi.signal']));
  if (typeof environ['tsgi.early_hints'] !== 'function')
    call.fail('early-hints-type', show(environ['tsgi.early_hints']));
}

/** Replaces `tsgi.input`, `tsgi.errors` and `tsgi.early_hints` with wrappers that check how the app uses them. */
export function watchRequestStreams(environ: Environ, call: AppCall): void {
  const input = environ['tsgi.input'];
  // the input's identity is the body's: keep it through nested validators (readers share one read by it)
  if (!validatedInputs.has(input)) environ['tsgi.input'] = watchInput(input, call);
  environ['tsgi.errors'] = watchErrors(environ['tsgi.errors'], call);
  environ['tsgi.early_hints'] = watchEarlyHints(environ['tsgi.early_hints'], call);
}

function watchInput(input: AsyncIterable<Uint8Array>, call: AppCall): AsyncIterable<Uint8Array> {
  const declared = call.environ.CONTENT_LENGTH;
  const limit = declared === undefined ? -1 : Number(declared);
  let started = false;
  const watched: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (started) call.fail('input-read-twice');
      started = true;
      const iterator = input[Symbol.asyncIterator]();
      let received = 0;
      let returned = false; // the app stopped reading: a read in flight may then end short
      return {
        async next() {
          if (call.closed) call.fail('input-after-response');
          const step = await iterator.next();
          if (step.done) {
            if (received < limit && !returned) call.fail('input-too-short', `${received} of ${limit} bytes`);
            return step;
          }
          const chunk: unknown = step.value;
          if (!(chunk instanceof Uint8Array)) call.fail('input-chunk-type', show(chunk));
          received += chunk.byteLength;
          if (limit !== -1 && received > limit) call.fail('input-too-long', `${received} > ${limit} bytes`);
          return step;
        },
        async return(value?: unknown) {
          returned = true;
          await iterator.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
  validatedInputs.add(watched);
  // a body read whole already (a middleware's request.form()) stays readable through the watch
  return carryBodyRead(input, watched);
}

function watchErrors(errors: ErrorStream, call: AppCall): ErrorStream {
  return {
    write(message: unknown) {
      if (typeof message !== 'string') call.fail('errors-write-type', show(message));
      errors.write(message);
    },
  };
}

function watchEarlyHints(earlyHints: EarlyHints, call: AppCall): EarlyHints {
  return (links: unknown) => {
    if (!Array.isArray(links) || !links.every((link) => typeof link === 'string' && !hasCrLfNul(link))) {
      call.fail('early-hints-args', show(links));
    }
    if (call.started) call.fail('early-hints-late');
    earlyHints(links);
  };
}
