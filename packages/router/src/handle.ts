import { type App, type HandlerResult, handler, type Request } from '@tsgi/core';
import type { ParamsOf } from './pattern-types.js';

/**
 * The request a {@link handle} handler gets: core's `Request` (the same object
 * `Request.of(environ)` gives), with `params` typed from the route's pattern.
 */
export interface RouteRequest<P extends string = string> extends Request {
  /** The decoded parameters of the route (and of the mounts above it, untyped). */
  readonly params: ParamsOf<P>;
}

/**
 * An app made by {@link handle} for the pattern `P`. The type records the pattern only for
 * the type checker; at run time it is a plain app.
 */
export type RouteApp<P extends string = string> = App & { readonly '~pattern'?: P };

/**
 * Makes an app of a request → response function whose `request.params` is typed from the
 * pattern of the route it is given to: `{ id: string; path: string[] }` for
 * `/users/:id/files/*path`, optional keys for `{…}` groups. At run time it is core's
 * `handler()`: nothing more per request. Outside a route call, name the pattern:
 * `handle<'/users/:id'>(…)`.
 * @example
 * router().get('/users/:id', handle((request) => Response.json({ id: request.params.id })));
 */
export function handle<P extends string>(
  fn: (request: RouteRequest<P>) => HandlerResult | Promise<HandlerResult>,
): RouteApp<P> {
  return handler(fn as (request: Request) => HandlerResult | Promise<HandlerResult>);
}
