import type { App, Middleware } from '@tsgi/core';

/**
 * Stacks middleware into one: the first listed is the outermost, so it sees the request
 * first and the response last — the order a stack is read in, as in Rack::Builder.
 * `compose()` with none is the identity.
 * @example
 * const stack = compose(logRequests, requireLogin); // logRequests sees the request first
 * serve(stack(app));
 * r.get('/admin', compose(auth)(adminApp)); // route-level middleware
 */
export function compose(...middlewares: Middleware[]): Middleware {
  for (const [index, middleware] of middlewares.entries()) {
    if (typeof middleware !== 'function') {
      throw new TypeError(
        `compose: argument ${index} is a ${typeof middleware}, not a middleware (app => app)`,
      );
    }
  }
  return (app: App): App => {
    let composed = app;
    for (let i = middlewares.length - 1; i >= 0; i--) {
      const wrapped = (middlewares[i] as Middleware)(composed);
      if (typeof wrapped !== 'function') {
        throw new TypeError(`compose: middleware ${i} returned a ${typeof wrapped}, not an app`);
      }
      composed = wrapped;
    }
    return composed;
  };
}
