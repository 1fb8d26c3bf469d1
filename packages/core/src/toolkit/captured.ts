import type { Body } from '../types.js';
import { closeBody } from './body.js';

/** A header list to read: the compiler refuses a change in place (`push`), which would change the app's own list. */
export type ReadonlyHeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** The key of {@link Captured}'s link to its capture (not exported from the package). */
export const CAPTURED_BY: unique symbol = Symbol('tsgi.capturedBy');

/**
 * An app's response as a middleware sees it: the status line, the headers and the body,
 * not yet sent. The header list the app gave may be a constant it sends every time, so it
 * is never changed in place: the first change copies it.
 * @example
 * const response = await capture(app, environ);
 * if (response.code === 200) response.setHeader('Cache-Control', 'no-store');
 * return send(response, startResponse);
 */
export class Captured {
  /**
   * Internal to the toolkit: the capture that made this response, where {@link send} leaves
   * the outer `startResponse` for a late call of the app's. A property, not a WeakMap entry:
   * a WeakMap set and get cost each layer about as much as the rest of it (count bench, hello
   * through 10 `mapResponse` layers: see bench/results).
   */
  [CAPTURED_BY]: object | undefined = undefined;
  #headers: ReadonlyHeaderList;
  /** Whether `#headers` is this response's own copy, which the methods may change in place. */
  #owned = false;
  /**
   * The last look-up, kept until the headers change: layers sharing one capture (mapResponse)
   * each ask for the same header in turn, and the second ask on is one string compare.
   * Callgrind, in-process, hello through 10 stacked layers reading a header: 3,136 instructions
   * a call before, 1,932 with this (bench/results/2026-12-01-count.md, "Third session: toolkit layers").
   */
  #askedName: string | undefined = undefined;
  #askedValue: string | undefined = undefined;

  constructor(
    /** The status line, `"NNN Reason"`. */
    public status: string,
    headers: ReadonlyHeaderList,
    /** The body, not yet iterated. Assign a wrapped body (mapChunks, transformBody) to change it. */
    public body: Body,
    /** The `error` the app passed to `startResponse`, handed on by {@link send}. */
    public error?: unknown,
  ) {
    this.#headers = headers;
  }

  /** The status code: `200` for `"200 OK"`. */
  get code(): number {
    return Number(this.status.slice(0, 3));
  }

  /** The headers, in order. Read-only: change them with the methods below. */
  get headers(): ReadonlyHeaderList {
    return this.#headers;
  }

  set headers(headers: ReadonlyHeaderList) {
    this.#headers = headers;
    this.#owned = false;
    this.#askedName = undefined;
  }

  /**
   * Replaces the body with one that does not wrap it (an answer of the middleware's own):
   * the old body is closed, since it will never be sent. To change the chunks instead,
   * assign a wrapped body: `response.body = mapChunks(response.body, …)`.
   */
  replaceBody(body: Body): this {
    const old = this.body;
    this.body = body;
    if (old !== body) void closeBody(old);
    return this;
  }

  /** The first value of a header (names compare case-insensitively), or undefined. */
  getHeader(name: string): string | undefined {
    // tested against undefined first, so that the compare of names only ever sees strings (a pointer compare, not a call)
    if (this.#askedName !== undefined && name === this.#askedName) return this.#askedValue;
    const lower = lowerCased(name);
    const headers = this.#headers;
    let value: string | undefined;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as [string, string];
      const key = header[0];
      // names of different lengths never match in ASCII case; the asked name's own length, not
      // its lower case's, which may differ ('İ' lower-cases to two code units)
      if (key.length === name.length && (key === name || lowerCasedKey(key) === lower)) {
        value = header[1];
        break;
      }
    }
    this.#askedName = name;
    this.#askedValue = value;
    return value;
  }

  /** Replaces every header of this name with one (appended at the end). */
  setHeader(name: string, value: string): this {
    this.deleteHeader(name);
    return this.appendHeader(name, value);
  }

  /** Adds a header, keeping those of the same name (`Set-Cookie`, `Vary`). */
  appendHeader(name: string, value: string): this {
    this.#own().push([name, value]);
    this.#askedName = undefined;
    return this;
  }

  /** Removes every header of this name. */
  deleteHeader(name: string): this {
    const lower = name.toLowerCase();
    if (this.#headers.some(([key]) => key.toLowerCase() === lower)) {
      this.#headers = this.#headers.filter(([key]) => key.toLowerCase() !== lower);
      this.#owned = true;
      this.#askedName = undefined;
    }
    return this;
  }

  #own(): Array<readonly [string, string]> {
    if (!this.#owned) {
      this.#headers = this.#headers.slice();
      this.#owned = true;
    }
    return this.#headers as Array<readonly [string, string]>;
  }
}

let lastName = '';
let lastLower = '';
let lastKey = '';
let lastKeyLower = '';

/**
 * `name.toLowerCase()`, remembered for the last name asked: callers pass the same literal again
 * and again, and lower-casing costs ~190 instructions even when nothing changes (callgrind self
 * cost of `StringToLowerCaseIntl`); a different name costs one string compare more than before.
 */
function lowerCased(name: string): string {
  if (name !== lastName) {
    lastLower = name.toLowerCase();
    lastName = name;
  }
  return lastLower;
}

/**
 * The same for the header names of a list (apps send the same literals), apart so that the two
 * do not evict each other: the 10 stacked layers above, 1,932 → 1,754 instructions a call.
 */
function lowerCasedKey(key: string): string {
  if (key !== lastKey) {
    const lower = key.toLowerCase();
    // the very string lowerCased() gave when they match: the caller's compare is then one pointer compare
    lastKeyLower = lower === lastLower ? lastLower : lower;
    lastKey = key;
  }
  return lastKeyLower;
}
