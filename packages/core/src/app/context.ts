import { AsyncLocalStorage } from 'node:async_hooks';
import { isPromise } from '../body/chunk.js';
import { type BodyIterator, wrapBody } from '../body/wrap.js';
import type { Body, Environ, Middleware } from '../types.js';
import { Request } from './request.js';

const storage = new AsyncLocalStorage<Environ>();

/** An iterator whose `next`, `return` and `throw` each run inside the request's context. */
function iteratorInContext<I extends BodyIterator>(environ: Environ, iterator: I): I {
  const wrapped: Partial<Record<'next' | 'return' | 'throw', (...args: unknown[]) => unknown>> = {};
  for (const method of ['next', 'return', 'throw'] as const) {
    const fn = iterator[method] as ((...args: unknown[]) => unknown) | undefined;
    if (fn !== undefined) wrapped[method] = (...args) => storage.run(environ, () => fn.apply(iterator, args));
  }
  return wrapped as unknown as I;
}

/** The body, with every step of its iteration (and its close) inside the request's context. */
function bodyInContext(environ: Environ, body: Body): Body {
  // an array runs no code while it is sent: nothing to wrap, and it keeps its known length
  if (Array.isArray(body)) return body;
  const close = body.close;
  return wrapBody(body, {
    iterator: (make) => iteratorInContext(environ, storage.run(environ, make)),
    close: close === undefined ? undefined : () => storage.run(environ, () => close.call(body)),
  });
}

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
    const body = storage.run(environ, () => app(environ, startResponse));
    if (isPromise<Body>(body)) return body.then((resolved) => bodyInContext(environ, resolved));
    return bodyInContext(environ, body);
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
