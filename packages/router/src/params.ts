import type { Environ } from '@tsgi/core';

/** The environ key under which a router leaves the parameters it matched. Read it with {@link routeParams}. */
export const PARAMS_KEY = 'router.params';

/**
 * Decoded route parameters: a `:name` parameter is a string, a `*name` wildcard an array
 * of its segments. Parameters of the mounts above a route are included.
 */
export type RouteParams = Readonly<Record<string, string | string[]>>;

const NO_PARAMS: RouteParams = Object.freeze(Object.create(null) as Record<string, string>);

/**
 * The parameters the router matched for this request (empty outside a router).
 * @example
 * r.get('/users/:id', (environ, startResponse) => {
 *   const { id } = routeParams(environ); // '42' for /users/42
 *   …
 * });
 */
export function routeParams(environ: Environ): RouteParams {
  return (environ[PARAMS_KEY] as RouteParams | undefined) ?? NO_PARAMS;
}

/**
 * The params of the mounts above merged with `params` (the inner one wins a clash),
 * in a new object: the caller's environ and params are never changed.
 */
export function mergeParams(environ: Environ, params: RouteParams): RouteParams {
  const outer = environ[PARAMS_KEY] as RouteParams | undefined;
  if (outer === undefined) return params;
  // a prototype-less object, so that a parameter named `__proto__` is just a parameter
  return Object.assign(Object.create(null) as Record<string, string | string[]>, outer, params);
}
