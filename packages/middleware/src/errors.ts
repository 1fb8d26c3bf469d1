import {
  type App,
  type Body,
  type Captured,
  capture,
  type Environ,
  InternalServerError,
  isHTTPError,
  type Middleware,
  onBodyDone,
  type StartResponse,
  send,
  transformBody,
} from '@tsgi/core';
import { debugPage, type ErrorPage, errorPage } from '@tsgi/core/http';

/** Options of {@link errors}. */
export interface ErrorsOptions {
  /** Show the stack and the environ (escaped) on the 500 page. Default false: never in production. */
  debug?: boolean;
}

/** Writes the error once to `tsgi.errors`, with the request line (the path quoted: it may hold a newline). */
function logError(environ: Environ, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  const target = JSON.stringify(`${environ.SCRIPT_NAME}${environ.PATH_INFO}`);
  const line = `${environ.REQUEST_METHOD} ${target} ${environ.SERVER_PROTOCOL}`;
  environ['tsgi.errors'].write(`errors: ${line}: ${detail}\n`);
}

/**
 * The error boundary. An `HTTPError` thrown below renders itself (HTML or JSON by `Accept`,
 * core's `errorPage`); any other error is a 500 with no detail, or with `debug` core's
 * `debugPage` (the stack and the environ, escaped) — the same pages the server's own `--dev`
 * mode shows. Each error is written to `tsgi.errors` once, with the request line (5xx
 * `HTTPError`s too; 4xx ones are answers, not failures). An error in the body before any byte
 * went out still becomes the error page (through `startResponse` with `error`); after the
 * headers went out it aborts the response, as the server does, and the server logs it.
 * Defaults: `debug: false`.
 *
 * When not to use it: the server already answers errors with a plain 500; use this to get
 * the debug page, JSON error pages beneath your own outer middleware, or one log line per
 * error with the request. Do not turn on `debug` where strangers can reach the server.
 * @example
 * serve(errors({ debug: process.env.NODE_ENV === 'development' })(app));
 */
export function errors(options: ErrorsOptions = {}): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('errors: options must be an object');
  const debug = options.debug ?? false;
  if (typeof debug !== 'boolean') throw new TypeError(`errors: debug must be a boolean, got ${typeof debug}`);

  const pageFor = (error: unknown, environ: Environ): ErrorPage => {
    if (isHTTPError(error)) return errorPage(error, environ.HTTP_ACCEPT);
    if (debug) return debugPage(error, environ);
    return errorPage(new InternalServerError(), environ.HTTP_ACCEPT);
  };

  // The per-request work is in module functions, not closures made per request: only the
  // watch on the app's own startResponse needs a closure of its own.
  return (app: App): App =>
    (environ, startResponse) => {
      let captured: Captured | Promise<Captured>;
      try {
        captured = capture(watch(app, environ), environ);
      } catch (error) {
        return answer(error, environ, startResponse, pageFor);
      }
      if (captured instanceof Promise) {
        return captured.then(
          (response) => forward(response, environ, startResponse, pageFor),
          (error: unknown) => answer(error, environ, startResponse, pageFor),
        );
      }
      return forward(captured, environ, startResponse, pageFor);
    };
}

type PageFor = (error: unknown, environ: Environ) => ErrorPage;

/** The error page for `error`, logged first when it is a failure (not a 4xx answer). */
function answer(error: unknown, environ: Environ, startResponse: StartResponse, pageFor: PageFor): Body {
  if (!isHTTPError(error) || error.status >= 500) logError(environ, error);
  const page = pageFor(error, environ);
  startResponse(`${page.status} ${page.reason}`, page.headers);
  return [page.body];
}

function forward(response: Captured, environ: Environ, startResponse: StartResponse, pageFor: PageFor): Body {
  if (!Array.isArray(response.body)) response.body = guarded(response.body, environ, startResponse, pageFor);
  try {
    return send(response, startResponse);
  } catch (error) {
    // the server refused the app's status or headers (a CR/LF in a value, say): nothing
    // went out, and send() closed the body
    return answer(error, environ, startResponse, pageFor);
  }
}

/** A 5xx HTTPError the app threw itself: logged here, before capture renders it to its page. */
function note(error: unknown, environ: Environ): void {
  if (isHTTPError(error) && error.status >= 500) logError(environ, error);
}

function noted(error: unknown, environ: Environ): never {
  note(error, environ);
  throw error;
}

/** The app, seeing what it throws itself (so a 5xx HTTPError is logged before capture renders it). */
function watch(app: App, environ: Environ): App {
  return (inner, innerStart) => {
    let started = false;
    const start: StartResponse = (status, headers, error) => {
      started = true;
      return innerStart(status, headers, error);
    };
    // a lazy body (startResponse inside it) can throw while capture pulls it: note that too
    const lazy = (body: Body): Body =>
      started || !isLazyBody(body)
        ? body
        : onBodyDone(body, (outcome) => {
            // a non-HTTPError propagates out of capture and is logged by answer()
            if (outcome.state === 'error' && !started && isHTTPError(outcome.error))
              note(outcome.error, environ);
          });
    try {
      const body = app(inner, start);
      return typeof (body as Partial<Promise<Body>>).then === 'function'
        ? Promise.resolve(body).then(lazy, (error: unknown) => noted(error, environ))
        : lazy(body as Body);
    } catch (error) {
      return noted(error, environ);
    }
  };
}

/** An iterable body object (not an array, not what capture refuses: a string, bytes, no iterator). */
function isLazyBody(body: unknown): body is Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Uint8Array)
    return false;
  const iterable = body as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  return (
    typeof iterable[Symbol.asyncIterator] === 'function' || typeof iterable[Symbol.iterator] === 'function'
  );
}

/**
 * The body with an error in it answered: before any byte went out, the error page replaces the
 * response (startResponse with `error`); after, startResponse re-throws and the server aborts.
 */
function guarded(
  body: Body,
  environ: Environ,
  startResponse: StartResponse,
  pageFor: (error: unknown, environ: Environ) => ErrorPage,
): Body {
  return transformBody(body, async function* (chunks) {
    try {
      yield* chunks;
    } catch (error) {
      const page = pageFor(error, environ);
      startResponse(`${page.status} ${page.reason}`, page.headers, error); // throws once headers are out
      if (!isHTTPError(error) || error.status >= 500) logError(environ, error);
      yield page.body;
    }
  });
}
