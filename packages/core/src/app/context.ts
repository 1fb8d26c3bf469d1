import { AsyncLocalStorage } from 'node:async_hooks';
import { isPromise } from '../body/chunk.js';
import { bodyWithin } from '../toolkit/body.js';
import type { Body, Environ, Middleware } from '../types.js';
import { Request } from './request.js';

const storage = new AsyncLocalStorage<Environ>();

/**
 * Flask's request context for tsgi: runs the app — and the iteration of its body, so code
 * that runs while the response streams sees it too — with the environ in an
 * `AsyncLocalStorage`, where {@link currentEnviron} and {@link currentRequest} find it,
 * across any number of `await`s. Requests running at the same time stay apart.
 * It sees the environ as it arrives here: put it inside a mount to see the mounted paths.
 * @example
 * const app = requestContext()(handler(() => Response.text(greeting())));
 * function greeting() { return `Hello from ${currentRequest().path}`; } // no request passed around
 */
export function requestContext(): Middleware {
  return (app) => (environ, startResponse) => {
    const within = <T>(step: () => T): T => storage.run(environ, step);
    const body = within(() => app(environ, startResponse));
    if (isPromise<Body>(body)) return body.then((resolved) => bodyWithin(resolved, within));
    return bodyWithin(body, within);
  };
}

/**
 * The environ of the request being handled, from anywhere inside {@link requestContext}.
 * Throws outside a request.
 */
export function currentEnviron(): Environ {
  const environ = storage.getStore();
  if (environ === undefined) {
    throw new Error('currentEnviron() called outside a request: add requestContext() to the stack');
  }
  return environ;
}

/**
 * The {@link Request} being handled (the same object `Request.of(environ)` gives the app),
 * from anywhere inside {@link requestContext}. Throws outside a request.
 * @example
 * export function currentUserId(): string | undefined { return currentRequest().cookies.user; }
 */
export function currentRequest(): Request {
  const environ = storage.getStore();
  if (environ === undefined) {
    throw new Error('currentRequest() called outside a request: add requestContext() to the stack');
  }
  return Request.of(environ);
}
