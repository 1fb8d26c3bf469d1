import { callable } from './app/callable.js';
import { errorPage } from './error-page.js';
import { STATUS_REASONS } from './http/status.js';
import type { Body, Environ, HeaderList, StartResponse } from './types.js';

/** Options of an {@link HTTPError}. */
export interface HTTPErrorOptions {
  /** Extra response headers: `Allow`, `Retry-After`, `WWW-Authenticate`, … */
  headers?: HeaderList;
  /** What caused it; logged, never sent to the client. */
  cause?: unknown;
  /** Show `message` to the client. Default: true below 500, false for 5xx. */
  expose?: boolean;
}

// Marks every HTTPError, across copies of this package (the symbol registry is global).
const BRAND = Symbol.for('tsgi.HTTPError');

// Lets a class instance be called: its call signature comes from this interface.
export interface HTTPError {
  (environ: Environ, startResponse: StartResponse): Body;
}

/**
 * An HTTP error that is itself an app: throw it from anywhere in a request, and the
 * server (or a middleware that catches it) answers with it; or call it as an app directly.
 * It renders a small HTML page, or JSON when the client prefers it (`Accept`).
 * @example throw new HTTPError(418, "I'm a teapot");
 * @example return new NotFound('No such user')(environ, startResponse);
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature
export class HTTPError extends Error {
  declare readonly status: number;
  declare readonly headers: HeaderList;
  declare readonly expose: boolean;

  constructor(status: number, message?: string, options: HTTPErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HTTPError status must be an integer from 400 to 599, got ${status}`);
    }
    super(message ?? STATUS_REASONS[status] ?? 'Error', { cause: options.cause });
    // An Error cannot be called, so the instance is a function with this class's prototype.
    const app = callable(
      ((environ: Environ, startResponse: StartResponse) =>
        renderError(app, environ, startResponse)) as HTTPError,
      new.target,
    );
    Object.defineProperties(app, {
      name: { value: new.target.name, configurable: true },
      message: { value: this.message, writable: true, configurable: true },
      cause: { value: options.cause, writable: true, configurable: true },
      status: { value: status, enumerable: true },
      headers: { value: options.headers ?? [], enumerable: true },
      expose: { value: options.expose ?? status < 500, enumerable: true },
    });
    Error.captureStackTrace(app, new.target);
    // biome-ignore lint/correctness/noConstructorReturn: see above
    return app;
  }
}
Object.defineProperty(HTTPError.prototype, BRAND, { value: true });

function renderError(error: HTTPError, environ: Environ, startResponse: StartResponse): Body {
  const page = errorPage(error, environ.HTTP_ACCEPT);
  startResponse(`${page.status} ${page.reason}`, page.headers);
  return [page.body];
}

type ErrorClass<A extends unknown[]> = new (...args: A) => HTTPError;
function named(status: number): ErrorClass<[message?: string, options?: HTTPErrorOptions]> {
  return class extends HTTPError {
    constructor(message?: string, options?: HTTPErrorOptions) {
      super(status, message, options);
    }
  };
}

/** 400: the request is malformed. */
export class BadRequest extends named(400) {}
/** 401: credentials are missing or wrong; pass `WWW-Authenticate` in `headers`. */
export class Unauthorized extends named(401) {}
/** 403: the client may not do this. */
export class Forbidden extends named(403) {}
/** 404: nothing here. */
export class NotFound extends named(404) {}
/** 409: the request conflicts with the current state. */
export class Conflict extends named(409) {}
/** 412: a precondition of the request (`If-Match`, `If-Unmodified-Since`) failed. */
export class PreconditionFailed extends named(412) {}
/** 413: the request body is larger than the limit. */
export class ContentTooLarge extends named(413) {}
/** 415: the body's media type is not one this endpoint reads. */
export class UnsupportedMediaType extends named(415) {}
/** 422: the body is well-formed but its content is invalid. */
export class UnprocessableContent extends named(422) {}
/** 429: too many requests; pass `Retry-After` in `headers`. */
export class TooManyRequests extends named(429) {}
/** 500: the server failed; the message is not shown to the client. */
export class InternalServerError extends named(500) {}
/** 502: an upstream answered badly. */
export class BadGateway extends named(502) {}
/** 503: try again later; pass `Retry-After` in `headers`. */
export class ServiceUnavailable extends named(503) {}
/** 504: an upstream did not answer in time. */
export class GatewayTimeout extends named(504) {}

/**
 * 405: the path exists, but not for this method. Sends `Allow` with the methods that are.
 * @example throw new MethodNotAllowed(['GET', 'HEAD']);
 */
export class MethodNotAllowed extends HTTPError {
  declare readonly allowed: readonly string[];
  constructor(allowed: readonly string[], message?: string, options: HTTPErrorOptions = {}) {
    super(405, message, {
      ...options,
      headers: [['Allow', allowed.join(', ')], ...(options.headers ?? [])],
    });
    Object.defineProperty(this, 'allowed', { value: allowed, enumerable: true });
  }
}

/**
 * True when `value` is an {@link HTTPError}, also one made by another copy of this package
 * (two versions installed side by side), where `instanceof` fails: it checks a brand.
 */
export function isHTTPError(value: unknown): value is HTTPError {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[BRAND] === true;
}
