import { byteLength, isPromise } from '../body/chunk.js';
import { isHopByHop } from '../http/hop-by-hop.js';
import { hasCrLfNul, isBodylessStatus, TOKEN } from '../http/syntax.js';
import type { Chunk, StartResponse, Write } from '../types.js';
import { show } from './rules.js';
import type { AppCall } from './state.js';

const STATUS = /^(\d{3}) (.+)$/s;
// RFC 9110 field-value and RFC 9112 reason-phrase: HTAB, SP, VCHAR, obs-text
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d+$/;

/** True for a value the contract accepts as a body chunk. */
export function isChunk(value: unknown): value is Chunk {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** Checks a status line and returns its code. */
function checkStatus(status: unknown, call: AppCall): number {
  if (typeof status !== 'string') call.fail('status-type', show(status));
  const match = STATUS.exec(status);
  if (match === null || (match[2] as string).trim() === '') call.fail('status-format', show(status));
  const code = Number(match[1]);
  if (code < 100 || code > 599) call.fail('status-code-range', show(status));
  if (code < 200) call.fail('status-informational', show(status));
  if (NOT_FIELD_VALUE.test(match[2] as string)) call.fail('status-reason-chars', show(status));
  return code;
}

/** Checks a header list against the status it goes with. */
function checkHeaders(
  headers: unknown,
  code: number,
  call: AppCall,
): { contentLength: number; hasContentType: boolean } {
  if (!Array.isArray(headers)) call.fail('headers-type', show(headers));
  let contentLength = -1;
  let hasContentType = false;
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) call.fail('header-pair', show(pair));
    const [name, value] = pair as unknown[];
    if (typeof name !== 'string') call.fail('header-name-type', show(name));
    if (typeof value !== 'string') call.fail('header-value-type', `${name}: ${show(value)}`);
    if (!TOKEN.test(name)) call.fail('header-name-token', show(name));
    if (hasCrLfNul(value)) call.fail('header-value-newline', `${name}: ${show(value)}`);
    if (NOT_FIELD_VALUE.test(value)) call.fail('header-value-chars', `${name}: ${show(value)}`);
    const lower = name.toLowerCase();
    if (lower === 'status') call.fail('header-status');
    if (isHopByHop(name)) call.fail('header-hop-by-hop', name);
    if (lower === 'content-type') {
      if (isBodylessStatus(code)) call.fail('content-type-bodyless', `status ${code}`);
      hasContentType = true;
    } else if (lower === 'content-length') {
      if (code === 204) call.fail('content-length-bodyless');
      if (!DIGITS.test(value)) call.fail('content-length-format', show(value));
      if (contentLength !== -1) call.fail('content-length-duplicate');
      contentLength = Number(value);
    }
  }
  return { contentLength, hasContentType };
}

/** The startResponse the app gets: checks each call, then hands it to the server's. */
export function watchStartResponse(startResponse: StartResponse, call: AppCall): StartResponse {
  return (...args: unknown[]): Write => {
    if (args.length < 2 || args.length > 3) call.fail('start-response-arity', `${args.length} arguments`);
    const [status, headers, error] = args;
    if (call.closed) call.fail('start-response-after-close');
    if (call.started && error === undefined) call.fail('start-response-twice');
    const code = checkStatus(status, call);
    const { contentLength, hasContentType } = checkHeaders(headers, code, call);
    const write: unknown = startResponse(status as string, headers as [string, string][], error);
    if (typeof write !== 'function') call.fail('write-type', show(write));
    call.started = true;
    call.status = code;
    call.contentLength = contentLength;
    call.hasContentType = hasContentType;
    call.headers = headers as [string, string][];
    call.headersSnapshot = JSON.stringify(headers);
    return watchWrite(write as Write, call);
  };
}

function watchWrite(write: Write, call: AppCall): Write {
  return (chunk: unknown) => {
    if (call.finished || call.closed) call.fail('write-after-end');
    if (!isChunk(chunk)) call.fail('write-chunk-type', show(chunk));
    if (call.pendingWrite) call.fail('write-ignored-backpressure');
    sendBytes(call, byteLength(chunk));
    call.yielded++;
    const result = write(chunk);
    if (isPromise(result)) {
      call.pendingWrite = true;
      const settle = () => {
        call.pendingWrite = false;
      };
      result.then(settle, settle);
    }
    return result;
  };
}

/** The headers go out now (with the first bytes, or at the end): they must be as they were given. */
function headersGoOut(call: AppCall): void {
  if (call.headersOut || call.headers === undefined) return;
  call.headersOut = true;
  if (JSON.stringify(call.headers) !== call.headersSnapshot) call.fail('headers-mutated');
}

/** Accounts for body bytes the app sends, by write() or by its body. */
export function sendBytes(call: AppCall, length: number): void {
  if (length === 0) return;
  headersGoOut(call);
  if (isBodylessStatus(call.status)) call.fail('body-for-bodyless-status', `status ${call.status}`);
  if (!call.hasContentType) call.fail('content-type-missing');
  call.bytes += length;
  if (call.contentLength !== -1 && call.bytes > call.contentLength) {
    call.fail('content-length-exceeded', `${call.bytes} bytes for a Content-Length of ${call.contentLength}`);
  }
}

/** The body is complete: it must have matched its Content-Length. */
export function bodyEnded(call: AppCall): void {
  if (!call.started) call.fail('start-response-never');
  headersGoOut(call);
  // a 304 describes another response's length; a HEAD response may leave its body out
  const exempt = call.status === 304 || (call.environ.REQUEST_METHOD === 'HEAD' && call.bytes === 0);
  if (call.contentLength !== -1 && call.bytes < call.contentLength && !exempt) {
    call.fail('content-length-short', `${call.bytes} bytes for a Content-Length of ${call.contentLength}`);
  }
}
