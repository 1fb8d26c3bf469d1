import { type App, type Body, callable, type Environ, type StartResponse } from '@tsgi/core';
import type { MountParams, NoMountParams, RouteApp } from './handle.js';
import type { ParamsOf, UrlParamsOf } from './pattern-types.js';
import { normalizeMethod } from './route.js';
import { dispatcher, type RouterOptions, RouteTable, tableOf } from './route-table.js';
import { environOf, finishUrl, mountPointUrl, type UrlBase, type UrlOptions } from './url.js';

export type { RouterOptions };

/**
 * The named routes of a router, for the type checker: each name and the pattern it builds
 * (`{ post: '/posts/:slug' }`). A router built by chaining knows its own; the bare `Router`
 * type takes any name.
 */
export type RouteMap = Readonly<Record<string, string>>;

/** Options of a route. */
export interface RouteOptions<N extends string = string> {
  /** A name for `url(request, name, params)`; unique in the router. */
  name?: N;
}

/** Options of {@link Router.mount}. */
export interface MountOptions<N extends string = string> {
  /** A name: `url(request, 'blog')` is the mount point, and `'blog.post'` the route `post` of a mounted router. */
  name?: N;
}

/** No names: what `router()` starts with. */
type NoRoutes = Record<never, never>;

/** The name a route call adds, if any. */
type Named<N extends string, P extends string> = [N] extends [never] ? NoRoutes : { [K in N]: P };

/** The names a mount adds: the mount point, and `name.route` for each route of a mounted router. */
type MountNames<N extends string, P extends string, A> = [N] extends [never]
  ? NoRoutes
  : { [K in N]: P } & (A extends Router<infer Inner>
      ? string extends keyof Inner
        ? { [K in `${N}.${string}`]: string }
        : { [K in keyof Inner & string as `${N}.${K}`]: `${P}${Inner[K]}` }
      : NoRoutes);

/**
 * `A` as a mount accepts it: a router declared with `router<{ user: string }>()` fits only
 * under a prefix (and mounts above) that give `user`.
 */
type Mountable<A, Given> = A extends { readonly '~outer'?: infer Needs }
  ? Given extends Needs
    ? unknown
    : { readonly '~outer': { 'the mount prefix lacks parameters the router needs': Needs } }
  : unknown;

/** What follows the name in `url()`: the params (optional when the route needs none) and options. */
export type UrlArgs<P extends string> =
  NoRoutes extends UrlParamsOf<P>
    ? [params?: UrlParamsOf<P>, options?: UrlOptions]
    : [params: UrlParamsOf<P>, options?: UrlOptions];

/** True for a union of several names: what `N` falls back to when the name given is not one. */
type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never;

/**
 * The arguments after the name for the route `N`. A misspelt name leaves `N` the union of
 * all names: then the arguments are left loose, so that the error names the name, not the count.
 */
type ArgsFor<Routes extends RouteMap, N extends keyof Routes & string> =
  true extends IsUnion<N> ? [params?: UrlParamsOf<string>, options?: UrlOptions] : UrlArgs<Routes[N]>;

// Lets a Router instance be called: its call signature comes from this interface.
// biome-ignore lint/correctness/noUnusedVariables: merged with the class below, which uses Routes
export interface Router<Routes extends RouteMap = RouteMap, Outer extends MountParams = NoMountParams> {
  (environ: Environ, startResponse: StartResponse): Body | Promise<Body>;
}

/**
 * A router: an app that dispatches each request to the app routed for its path and method.
 * Make one with {@link router}. Every method that adds routes returns the router, to chain;
 * a router built by chaining knows its route names and their parameters, so `url()` with a
 * misspelt name or a missing parameter does not compile.
 *
 * Which app answers: a route without parameters for exactly the path first; then routes
 * with parameters and mounts, those whose pattern starts with more literal segments first,
 * in the order added among equals. A route answers only its methods (HEAD falls back to
 * GET); a mount answers every method. When the path matches routes but none for the method,
 * OPTIONS gets `204` with `Allow`, other methods a thrown `MethodNotAllowed` (405); when it
 * matches nothing, a thrown `NotFound` (404), which the server renders. `OPTIONS *` (the
 * server-wide question) gets `204` with every method the router's routes answer, and those
 * of the routers mounted in it. A route that could never answer (an earlier one matches
 * every path it does, for its method) is refused when it is added. A path with a `.` or
 * `..` segment (`/api/../admin`, `/files/..`, also as `%2e%2e` or behind `%2F`, which the server
 * decodes into `PATH_INFO`) reaches no app: a thrown `BadRequest` (400), so no mounted app or
 * handler ever resolves one above where it is mounted.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature
export class Router<Routes extends RouteMap = RouteMap, Outer extends MountParams = NoMountParams> {
  /** For the type checker only: the named routes. Never set at run time. */
  declare readonly '~routes'?: Routes;
  /** For the type checker only: the parameters this router needs from the mount prefix above it. */
  declare readonly '~outer'?: Outer;

  constructor(options: RouterOptions = {}) {
    // A class instance cannot be called, so the router is a function with this class's prototype.
    const app = callable(dispatcher(new RouteTable(options)) as Router<Routes, Outer>, new.target);
    // biome-ignore lint/correctness/noConstructorReturn: see above
    return app;
  }

  /**
   * Routes GET (and so HEAD) requests matching `pattern` to `app`: any app, or a
   * {@link handle} handler, whose `request.params` is then typed from the pattern.
   * @example r.get('/users/:id', handle((request) => Response.json({ id: request.params.id })))
   */
  get<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('GET', pattern, app, options);
  }

  /** Routes POST requests matching `pattern` to `app` (see {@link get}). */
  post<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('POST', pattern, app, options);
  }

  /** Routes PUT requests matching `pattern` to `app` (see {@link get}). */
  put<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('PUT', pattern, app, options);
  }

  /** Routes PATCH requests matching `pattern` to `app` (see {@link get}). */
  patch<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('PATCH', pattern, app, options);
  }

  /** Routes DELETE requests matching `pattern` to `app` (see {@link get}). */
  delete<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('DELETE', pattern, app, options);
  }

  /** Routes OPTIONS requests matching `pattern` to `app` (instead of the automatic answer). */
  options<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('OPTIONS', pattern, app, options);
  }

  /** Routes HEAD requests matching `pattern` to `app` (instead of the GET app). */
  head<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    return this.route('HEAD', pattern, app, options);
  }

  /**
   * Routes requests of every method matching `pattern` to `app`. Add it after the routes of
   * single methods on the same paths: before them it would answer their requests first,
   * so that is refused.
   */
  all<P extends string, N extends string = never>(
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    tableOf(this).addRoute([undefined], pattern, app, options?.name);
    return this as Router<Routes & Named<N, P>, Outer>;
  }

  /**
   * Routes requests with one of `methods` matching `pattern` to `app`.
   * Throws a `TypeError` naming the pattern when it is malformed, when the method and
   * pattern are routed already, or when an earlier route (named in the error) matches every
   * path this one does for one of its methods, so this one could never run.
   * @example r.route(['GET', 'POST'], '/search', search)
   */
  route<P extends string, N extends string = never>(
    methods: string | readonly string[],
    pattern: P,
    app: RouteApp<NoInfer<P>, Outer>,
    options?: RouteOptions<N>,
  ): Router<Routes & Named<N, P>, Outer> {
    const list = typeof methods === 'string' ? [methods] : methods;
    if (list.length === 0) throw new TypeError(`No method given for ${pattern}`);
    tableOf(this).addRoute(list.map(normalizeMethod), pattern, app, options?.name);
    return this as Router<Routes & Named<N, P>, Outer>;
  }

  /**
   * Mounts `app` under `prefix`, for every method: a request for `/blog/posts/1` reaches the
   * app mounted at `/blog` with `SCRIPT_NAME` + `/blog` and `PATH_INFO` `/posts/1`, so the app
   * sees itself at the root (and links correctly with `url(request, …)`). The prefix
   * matches whole segments only, and may have parameters (`/users/:id`), which the mounted
   * app reads with `routeParams` along with its own. A named mount of a router makes its
   * routes `name.route` here, types included.
   * @example r.mount('/blog', blog, { name: 'blog' })
   */
  mount<P extends string, A extends App, N extends string = never>(
    prefix: P,
    app: A & Mountable<A, ParamsOf<P> & Outer>,
    options?: MountOptions<N>,
  ): Router<Routes & MountNames<N, P, A>, Outer> {
    tableOf(this).addMount(prefix, app, options?.name);
    return this as Router<Routes & MountNames<N, P, A>, Outer>;
  }

  /**
   * The URL of a named route for this request: it starts with the request's `SCRIPT_NAME`,
   * so it is right wherever the router is mounted. `request` is core's `Request` (what a
   * {@link handle} handler gets) or the environ. Parameters are percent-encoded; `name.route`
   * reaches into a router mounted with that name. Throws a `TypeError` for an unknown name or
   * a missing parameter (which a chained router's types catch first).
   * @example r.url(request, 'user', { id: 42 }, { query: { tab: 'posts' } }) // '/api/users/42?tab=posts' under /api
   */
  url<N extends keyof Routes & string>(request: UrlBase, name: N, ...args: ArgsFor<Routes, N>): string;
  url(request: UrlBase, name: string, params: UrlParamsOf<string> = {}, options: UrlOptions = {}): string {
    const environ = environOf(request); // first, so that the old url(name, …) form fails clearly
    return finishUrl(mountPointUrl(environ) + tableOf(this).pathFor(name, params), options);
  }

  /**
   * The path of a named route as if this router were at the root: it IGNORES where the router
   * is mounted (no `SCRIPT_NAME`), so a router mounted at `/api` gets `/users/2`, not
   * `/api/users/2`. For links and `Location` headers inside a request, use {@link url}.
   * @example r.unmountedPath('user', { id: 42 }) // '/users/42', wherever r is mounted
   */
  unmountedPath<N extends keyof Routes & string>(name: N, ...args: ArgsFor<Routes, N>): string;
  unmountedPath(name: string, params: UrlParamsOf<string> = {}, options: UrlOptions = {}): string {
    return finishUrl(tableOf(this).pathFor(name, params), options);
  }
}

// Routers are real functions: `call`, `apply` and `bind` work on them.
Object.setPrototypeOf(Router.prototype, Function.prototype);

/**
 * Makes a {@link Router}: an app that dispatches by path and method. Chain its calls to let
 * the type checker know its route names (`url(request, 'user', { id })` is then checked).
 * A router meant to be mounted under a prefix with parameters declares them,
 * `router<{ user: string }>()`: its handlers see `request.params.user`, and mounting it
 * under a prefix that lacks `user` does not compile.
 * @example
 * const r = router()
 *   .get('/users/:id', handle((request) => Response.json({ id: request.params.id })), { name: 'user' })
 *   .mount('/blog', blog, { name: 'blog' });
 * serve(r);
 */
export function router<Outer extends MountParams = NoMountParams>(
  options?: RouterOptions,
): Router<NoRoutes, Outer> {
  return new Router(options);
}
