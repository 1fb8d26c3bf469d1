/** The small pieces of HTTP syntax that servers, the validator and helpers all check. */

/** A token (RFC 9110 §5.6.2): header names, methods. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** CR, LF or NUL: what lets a value that reaches a header add headers of its own. */
export const CR_LF_NUL = /[\r\n\0]/;

/** Statuses whose responses never carry a body (RFC 9110 §6.4.1, §15.3.6). */
export function isBodylessStatus(status: number): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304;
}

/** True for a promise or any thenable. */
export function isPromise<T = unknown>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
