import { byteLength, isPromise } from '../body/chunk.js';
import { isHopByHop } from '../http/hop-by-hop.js';
import { hasCrLfNul, isBodylessStatus, TOKEN } from '../http/syntax.js';
import type { Chunk, StartResponse, Write } from '../types.js';
import { show } from './rules.js';
import type { Exchange } from './state.js';

const STATUS = /^(\d{3}) (.+)$/s;
// RFC 9110 field-value and RFC 9112 reason-phrase: HTAB, SP, VCHAR, obs-text
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d+$/;

/** True for a value the contract accepts as a body chunk. */
export function isChunk(value: unknown): value is Chunk {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** Checks a status line and returns its code. */
function checkStatus(status: unknown, x: Exchange): number {
  if (typeof status !== 'string') x.fail('status-type', show(status));
  const match = STATUS.exec(status);
  if (match === null || (match[2] as string).trim() === '') x.fail('status-format', show(status));
  const code = Number(match[1]);
  if (code < 100 || code > 599) x.fail('status-code-range', show(status));
  if (code < 200) x.fail('status-informational', show(status));
  if (NOT_FIELD_VALUE.test(match[2] as string)) x.fail('status-reason-chars', show(status));
  return code;
}

/** Checks a header list against the status it goes with. */
function checkHeaders(
  headers: unknown,
  code: number,
  x: Exchange,
): { contentLength: number; hasContentType: boolean } {
  if (!Array.isArray(headers)) x.fail('headers-type', show(headers));
  let contentLength = -1;
  let hasContentType = false;
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) x.fail('header-pair', show(pair));
    const [name, value] = pair as unknown[];
    if (typeof name !== 'string') x.fail('header-name-type', show(name));
    if (typeof value !== 'string') x.fail('header-value-type', `${name}: ${show(value)}`);
    if (!TOKEN.test(name)) x.fail('header-name-token', show(name));
    if (hasCrLfNul(value)) x.fail('header-value-newline', `${name}: ${show(value)}`);
    if (NOT_FIELD_VALUE.test(value)) x.fail('header-value-chars', `${name}: ${show(value)}`);
    const lower = name.toLowerCase();
    if (lower === 'status') x.fail('header-status');
    if (isHopByHop(name)) x.fail('header-hop-by-hop', name);
    if (lower === 'content-type') {
      if (isBodylessStatus(code)) x.fail('content-type-bodyless', `status ${code}`);
      hasContentType = true;
    } else if (lower === 'content-length') {
      if (code === 204) x.fail('content-length-bodyless');
      if (!DIGITS.test(value)) x.fail('content-length-format', show(value));
      if (contentLength !== -1) x.fail('content-length-duplicate');
      contentLength = Number(value);
    }
  }
  return { contentLength, hasContentType };
}

/** The startResponse the app gets: checks each call, then hands it to the server's. */
export function watchStartResponse(startResponse: StartResponse, x: Exchange): StartResponse {
  return (...args: unknown[]): Write => {
    if (args.length < 2 || args.length > 3) x.fail('start-response-arity', `${args.length} arguments`);
    const [status, headers, error] = args;
    if (x.closed) x.fail('start-response-after-close');
    if (x.started && error === undefined) x.fail('start-response-twice');
    const code = checkStatus(status, x);
    const { contentLength, hasContentType } = checkHeaders(headers, code, x);
    const write: unknown = startResponse(status as string, headers as [string, string][], error);
    if (typeof write !== 'function') x.fail('write-type', show(write));
    x.started = true;
    x.status = code;
    x.contentLength = contentLength;
    x.hasContentType = hasContentType;
    x.headers = headers as [string, string][];
    x.headersSnapshot = JSON.stringify(headers);
    return watchWrite(write as Write, x);
  };
}

function watchWrite(write: Write, x: Exchange): Write {
  return (chunk: unknown) => {
    if (x.finished || x.closed) x.fail('write-after-end');
    if (!isChunk(chunk)) x.fail('write-chunk-type', show(chunk));
    if (x.pendingWrite) x.fail('write-ignored-backpressure');
    sendBytes(x, byteLength(chunk));
    x.yielded++;
    const result = write(chunk);
    if (isPromise(result)) {
      x.pendingWrite = true;
      const settle = () => {
        x.pendingWrite = false;
      };
      result.then(settle, settle);
    }
    return result;
  };
}

/** The headers go out now (with the first bytes, or at the end): they must be as they were given. */
function headersGoOut(x: Exchange): void {
  if (x.headersOut || x.headers === undefined) return;
  x.headersOut = true;
  if (JSON.stringify(x.headers) !== x.headersSnapshot) x.fail('headers-mutated');
}

/** Accounts for body bytes the app sends, by write() or by its body. */
export function sendBytes(x: Exchange, length: number): void {
  if (length === 0) return;
  headersGoOut(x);
  if (isBodylessStatus(x.status)) x.fail('body-for-bodyless-status', `status ${x.status}`);
  if (!x.hasContentType) x.fail('content-type-missing');
  x.bytes += length;
  if (x.contentLength !== -1 && x.bytes > x.contentLength) {
    x.fail('content-length-exceeded', `${x.bytes} bytes for a Content-Length of ${x.contentLength}`);
  }
}

/** The body is complete: it must have matched its Content-Length. */
export function bodyEnded(x: Exchange): void {
  if (!x.started) x.fail('start-response-never');
  headersGoOut(x);
  // a 304 describes another response's length; a HEAD response may leave its body out
  const exempt = x.status === 304 || (x.environ.REQUEST_METHOD === 'HEAD' && x.bytes === 0);
  if (x.contentLength !== -1 && x.bytes < x.contentLength && !exempt) {
    x.fail('content-length-short', `${x.bytes} bytes for a Content-Length of ${x.contentLength}`);
  }
}
