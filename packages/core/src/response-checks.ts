// The checks of the contract's first server obligation (SPEC.md): what startResponse and the
// body may pass, refused with a ContractError that names the mistake.
import { byteLength } from './body/chunk.js';
import { isHopByHop } from './http/hop-by-hop.js';
import { hasCrLfNul, TOKEN } from './http/syntax.js';
import type { Chunk } from './types.js';

const STATUS = /^([2-5]\d\d) ([^\r\n\0]+)$/; // 1xx are not final: see tsgi.early_hints
const DIGITS = /^\d+$/;

/** Thrown when an app breaks the contract (the server answers 500 or aborts). */
export class ContractError extends TypeError {
  override name = 'ContractError';
}

/** A parsed status line. */
export interface Status {
  readonly code: number;
  readonly reason: string;
}

// Apps send a handful of status lines and header names, over and over: each is checked once,
// then looked up. Bounded, so that an app echoing client input cannot grow them. Measured (npm
// run bench:count): without them hello costs 58,015 instructions per request against 55,742,
// /user/:id 62,202 against 59,716, a 1 KB echo 79,832 against 77,633: they buy 3.9%, 4.0%, 2.8%.
const CACHE_LIMIT = 256;
const statuses = new Map<string, Status>();
const NAME_OK = 0;
const NAME_CONTENT_LENGTH = 1;
const headerNames = new Map<string, number>();

// Header values too: apps send the same few (`application/json`) on every response. A value
// found here holds no CR, LF or NUL; a Set probe of a string whose hash V8 keeps costs a fraction
// of hasCrLfNul's three scans. Only short values are kept (long ones are rarely repeated, and
// would cost their hashing). Measured with router's plainPath change (medians of 20 batches of 500,
// BENCH_COUNT_REQUESTS=10000 BENCH_COUNT_BATCHES=20 npm run bench:count): tsgi hello 55,770 ->
// 55,420 instructions a request, /user/42 59,130 -> 58,550 (results/2026-12-01-count.md, "Third session").
const safeValues = new Set<string>();
const CACHED_VALUE_LENGTH = 128;

/** True when `value` may go in a header: it holds no CR, LF or NUL. */
function isSafeValue(value: string): boolean {
  if (value.length > CACHED_VALUE_LENGTH) return !hasCrLfNul(value);
  if (safeValues.has(value)) return true;
  if (hasCrLfNul(value)) return false;
  if (safeValues.size < CACHE_LIMIT) safeValues.add(value);
  return true;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size < CACHE_LIMIT) cache.set(key, value);
  return value;
}

/** The code and reason of a status line; throws for anything but `NNN Reason` with a final status. */
export function parseStatus(status: unknown): Status {
  if (typeof status === 'string') {
    const known = statuses.get(status);
    if (known !== undefined) return known;
    const match = STATUS.exec(status);
    if (match !== null)
      return remember(statuses, status, { code: Number(match[1]), reason: match[2] as string });
  }
  throw new ContractError(`startResponse: status ${JSON.stringify(status)} is not "NNN Reason"`);
}

/** NAME_OK or NAME_CONTENT_LENGTH for a header name an app may send; throws for any other. */
function classifyName(name: unknown): number {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ContractError(`startResponse: header name ${JSON.stringify(name)} is not an HTTP token`);
  }
  const lower = name.toLowerCase();
  if (isHopByHop(lower)) {
    throw new ContractError(
      `startResponse: ${name} is a hop-by-hop header; the server manages the connection`,
    );
  }
  if (lower === 'status') {
    throw new ContractError('startResponse: a Status header; pass the status as the first argument');
  }
  return remember(headerNames, name, lower === 'content-length' ? NAME_CONTENT_LENGTH : NAME_OK);
}

/** Checks a header list; returns its Content-Length, or -1 when it has none. */
export function checkHeaders(headers: unknown, status: number): number {
  if (!Array.isArray(headers))
    throw new ContractError('startResponse: headers must be an array of [name, value]');
  let contentLength = -1;
  for (let i = 0; i < headers.length; i++) {
    const pair: unknown = headers[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ContractError(`startResponse: header ${i} must be a [name, value] pair`);
    }
    const name: unknown = pair[0];
    const value: unknown = pair[1];
    const kind = headerNames.get(name as string) ?? classifyName(name);
    if (typeof value !== 'string' || !isSafeValue(value)) {
      throw new ContractError(
        `startResponse: header ${name} has a value that is not a string free of CR, LF and NUL`,
      );
    }
    if (kind === NAME_CONTENT_LENGTH) {
      // two lengths let a proxy and a client disagree on where the response ends
      if (contentLength !== -1) throw new ContractError('startResponse: more than one Content-Length header');
      if (!DIGITS.test(value))
        throw new ContractError(`startResponse: Content-Length ${JSON.stringify(value)} is not a number`);
      if (status === 204) throw new ContractError('startResponse: a 204 response has no Content-Length');
      contentLength = Number(value);
    }
  }
  return contentLength;
}

/** The bytes of a chunk; throws for a value that is not one. */
export function chunkLength(chunk: Chunk): number {
  const length = byteLength(chunk);
  if (length === -1) {
    throw new ContractError(`the body yielded a ${typeof chunk}; chunks must be Uint8Array or string`);
  }
  return length;
}

/** True for a bare string or bytes: iterable, but by character or by number, not by chunk. */
export function isChunkValue(body: unknown): boolean {
  return typeof body === 'string' || body instanceof Uint8Array;
}

/** The error for an app's return value that is not a body, naming the likely mistake. */
export function notABody(body: unknown): ContractError {
  if (body === undefined || body === null) {
    return new ContractError(
      `the app returned ${body}, not a body; did it forget to return? Return an iterable of chunks, e.g. [text]`,
    );
  }
  if (isChunkValue(body)) {
    return new ContractError(
      'the app returned a bare string or bytes; return an iterable of chunks, e.g. [text]',
    );
  }
  if (typeof globalThis.Response === 'function' && body instanceof globalThis.Response) {
    return new ContractError(
      "the app returned a value that is not a tsgi body: this is the global fetch Response; use toFetch/fromFetch, or tsgi's Response",
    );
  }
  return new ContractError('the app returned something that is not an Iterable or AsyncIterable body');
}
