import { isPromise } from '../body/chunk.js';
import type { App, Body, Environ, StartResponse } from '../types.js';
import { watchBody } from './body.js';
import { checkEnviron, watchRequestStreams } from './environ.js';
import { watchStartResponse } from './response.js';
import { show, ValidationError } from './rules.js';
import { type AppCall, beginAppCall, type ValidateOptions } from './state.js';

export { RULES, type Rule, ValidationError } from './rules.js';
export { finishValidation, type ValidateOptions } from './state.js';

/**
 * Wraps an app in a checker of the tsgi contract, like `wsgiref.validate` and `Rack::Lint`:
 * it checks the environ the server built, every call the app makes (startResponse, write,
 * tsgi.input, tsgi.errors, tsgi.early_hints), every chunk of the body and the server's
 * handling of it (close() exactly once, one pull at a time), and throws a
 * {@link ValidationError} naming the rule broken (SPEC.md lists them all). A valid app runs
 * exactly as without it: chunks pass through lazily, one per pull, and an array body stays
 * an array.
 *
 * Put one on each side of a middleware to check the middleware too, including that it
 * streams (yields at least once per chunk it pulls): `validate(middleware(validate(app)))`.
 * After the response, {@link finishValidation} reports what only the end can show (a body
 * never closed); the test client `request()` does that for you.
 * @example
 * const server = await serve(validate(app), { port: 0 });
 * @example
 * const response = await request(validate(middleware(validate(app))), { url: '/' });
 */
export function validate(app: App, options: ValidateOptions = {}): App {
  if (typeof app !== 'function') throw new ValidationError('app-type', show(app));
  return (environ: Environ, startResponse: StartResponse): Body | Promise<Body> => {
    if (typeof environ !== 'object' || environ === null || Array.isArray(environ)) {
      throw new ValidationError('environ-type', show(environ));
    }
    const call = beginAppCall(environ, options);
    checkEnviron(environ, startResponse, call);
    watchRequestStreams(environ, call);
    const watchedStartResponse = watchStartResponse(startResponse, call);
    let body: Body | Promise<Body>;
    try {
      body = call.run(() => app(environ, watchedStartResponse));
    } catch (error) {
      call.sawError(error);
      throw error;
    }
    if (isPromise(body)) {
      return body.then(
        (resolved) => checkedBody(resolved, call),
        (error: unknown) => {
          call.sawError(error);
          throw error;
        },
      );
    }
    return checkedBody(body, call);
  };
}

/** The body, wrapped; a body refused outright is closed before the violation is thrown. */
function checkedBody(body: unknown, call: AppCall): Body {
  try {
    return watchBody(body, call);
  } catch (error) {
    call.closed = true; // the server never gets this body: close it here
    const close = (body as { close?: unknown } | null)?.close;
    if (typeof close === 'function') {
      try {
        const result: unknown = close.call(body);
        if (isPromise(result)) result.then(undefined, () => {});
      } catch {
        // the violation is the error to report
      }
    }
    throw error;
  }
}
