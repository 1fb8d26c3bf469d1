import { type App, type HandlerResult, handler, type Request } from '@tsgi/core';
import type { ParamsOf } from './pattern-types.js';

/**
 * Parameters a router gets from the mount prefix above it, declared for the type checker
 * with `router<{ user: string }>()`; mounting it under a prefix without them does not compile.
 */
export type MountParams = Readonly<Record<string, string | string[]>>;

/** No parameters from above: a router that can be mounted anywhere. */
export type NoMountParams = Record<never, never>;

/**
 * The request a {@link handle} handler gets: core's `Request` (the same object
 * `Request.of(environ)` gives), with `params` typed from the route's pattern, and from the
 * mount prefix above as its router declares (`router<{ user: string }>()`).
 */
export interface RouteRequest<P extends string = string, Outer extends MountParams = NoMountParams>
  extends Request {
  /** The decoded parameters of the route and of the mounts above it. */
  readonly params: [keyof Outer] extends [never] ? ParamsOf<P> : ParamsOf<P> & Outer;
}

/**
 * An app made by {@link handle} for the pattern `P` under mounts giving `Outer`. The type
 * records both only for the type checker; at run time it is a plain app.
 */
export type RouteApp<P extends string = string, Outer extends MountParams = NoMountParams> = App & {
  readonly '~pattern'?: P;
  // a function type, so that a handler needing fewer mount parameters fits a router giving more
  readonly '~outer'?: (outer: Outer) => void;
};

/**
 * Makes an app of a request → response function whose `request.params` is typed from the
 * pattern of the route it is given to: `{ id: string; path: string[] }` for
 * `/users/:id/files/*path`, optional keys for `{…}` groups. At run time it is core's
 * `handler()`: nothing more per request. Outside a route call, name the pattern:
 * `handle<'/users/:id'>(…)`.
 * @example
 * router().get('/users/:id', handle((request) => Response.json({ id: request.params.id })));
 */
export function handle<P extends string, Outer extends MountParams = NoMountParams>(
  fn: (request: RouteRequest<P, Outer>) => HandlerResult | Promise<HandlerResult>,
): RouteApp<P, Outer> {
  return handler(fn as (request: Request) => HandlerResult | Promise<HandlerResult>);
}
