import type { Body, HeaderList } from '../types.js';
import { closeBody } from './body.js';

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
  #headers: HeaderList;
  #owned = false;
  /** The header names lower-cased, from the second look-up on, as far as one got (appending keeps it valid). */
  #lowered: string[] | undefined = undefined;
  #lookedUp = false;

  constructor(
    /** The status line, `"NNN Reason"`. */
    public status: string,
    headers: HeaderList,
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
  get headers(): HeaderList {
    return this.#headers;
  }

  set headers(headers: HeaderList) {
    this.#headers = headers;
    this.#owned = false;
    this.#lowered = undefined;
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
    const lower = lowerCased(name);
    const headers = this.#headers;
    // a second look-up in the same list (layers sharing one capture, mapResponse) keeps the
    // lower-cased names for the next; a lone one allocates nothing. Callgrind, in-process, hello
    // through 10 header-reading layers sharing a capture: 6,678 instructions a call → 3,188 with
    // this and lowerCased(); kept from the first look-up on, 10 lone layers cost 12,853, not 10,114
    if (this.#lowered === undefined && this.#lookedUp) this.#lowered = [];
    this.#lookedUp = true;
    const lowered = this.#lowered;
    for (let i = 0; i < headers.length; i++) {
      let key = lowered?.[i];
      if (key === undefined) {
        key = (headers[i] as [string, string])[0].toLowerCase();
        // keep the very string asked for: the next look-up of it compares pointers, not characters
        if (lowered !== undefined) lowered[i] = key === lower ? lower : key;
      }
      if (key === lower) return (headers[i] as [string, string])[1];
    }
    return undefined;
  }

  /** Replaces every header of this name with one (appended at the end). */
  setHeader(name: string, value: string): this {
    this.deleteHeader(name);
    return this.appendHeader(name, value);
  }

  /** Adds a header, keeping those of the same name (`Set-Cookie`, `Vary`). */
  appendHeader(name: string, value: string): this {
    this.#own().push([name, value]);
    return this;
  }

  /** Removes every header of this name. */
  deleteHeader(name: string): this {
    const lower = name.toLowerCase();
    if (this.#headers.some(([key]) => key.toLowerCase() === lower)) {
      this.#headers = this.#headers.filter(([key]) => key.toLowerCase() !== lower);
      this.#owned = true;
      this.#lowered = undefined;
    }
    return this;
  }

  #own(): HeaderList {
    if (!this.#owned) {
      this.#headers = this.#headers.slice();
      this.#owned = true;
    }
    return this.#headers;
  }
}

let lastName = '';
let lastLower = '';

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
