import { type App, type Body, callable, type Environ, type StartResponse } from '@tsgi/core';
import type { UrlParams } from './pattern.js';
import { normalizeMethod } from './route.js';
import { dispatcher, type RouterOptions, RouteTable, tableOf } from './route-table.js';
import { finishUrl, type UrlOptions } from './url.js';

export type { RouterOptions };

/** Options of a route. */
export interface RouteOptions {
  /** A name for `url(name, params)`; unique in the router. */
  name?: string;
}

/** Options of {@link Router.mount}. */
export interface MountOptions {
  /** A name: `url('blog')` is the mount point, and `url('blog.post')` the route `post` of a mounted router. */
  name?: string;
}

// Lets a Router instance be called: its call signature comes from this interface.
export interface Router {
  (environ: Environ, startResponse: StartResponse): Body | Promise<Body>;
}

/**
 * A router: an app that dispatches each request to the app routed for its path and method.
 * Make one with {@link router}. Every method that adds routes returns the router, to chain.
 *
 * Which app answers: a route without parameters for exactly the path first; then routes
 * with parameters and mounts, those whose pattern starts with more literal segments first,
 * in the order added among equals. A route answers only its methods (HEAD falls back to
 * GET); a mount answers every method. When the path matches routes but none for the method,
 * OPTIONS gets `204` with `Allow`, other methods a thrown `MethodNotAllowed` (405); when it
 * matches nothing, a thrown `NotFound` (404), which the server renders. `OPTIONS *` (the
 * server-wide question) gets `204` with every method the router's routes answer, and those
 * of the routers mounted in it.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature
export class Router {
  constructor(options: RouterOptions = {}) {
    // A class instance cannot be called, so the router is a function with this class's prototype.
    const app = callable(dispatcher(new RouteTable(options)) as Router, new.target);
    // biome-ignore lint/correctness/noConstructorReturn: see above
    return app;
  }

  /** Routes GET (and so HEAD) requests matching `pattern` to `app`. */
  get(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('GET', pattern, app, options);
  }

  /** Routes POST requests matching `pattern` to `app`. */
  post(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('POST', pattern, app, options);
  }

  /** Routes PUT requests matching `pattern` to `app`. */
  put(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('PUT', pattern, app, options);
  }

  /** Routes PATCH requests matching `pattern` to `app`. */
  patch(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('PATCH', pattern, app, options);
  }

  /** Routes DELETE requests matching `pattern` to `app`. */
  delete(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('DELETE', pattern, app, options);
  }

  /** Routes OPTIONS requests matching `pattern` to `app` (instead of the automatic answer). */
  options(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('OPTIONS', pattern, app, options);
  }

  /** Routes HEAD requests matching `pattern` to `app` (instead of the GET app). */
  head(pattern: string, app: App, options?: RouteOptions): this {
    return this.route('HEAD', pattern, app, options);
  }

  /** Routes requests of every method matching `pattern` to `app`. */
  all(pattern: string, app: App, options?: RouteOptions): this {
    tableOf(this).addRoute([undefined], pattern, app, options?.name);
    return this;
  }

  /**
   * Routes requests with one of `methods` matching `pattern` to `app`.
   * Throws a `TypeError` naming the pattern when it is malformed, or when the method and
   * pattern are routed already.
   * @example r.route(['GET', 'POST'], '/search', search)
   */
  route(methods: string | readonly string[], pattern: string, app: App, options?: RouteOptions): this {
    const list = typeof methods === 'string' ? [methods] : methods;
    if (list.length === 0) throw new TypeError(`No method given for ${pattern}`);
    tableOf(this).addRoute(list.map(normalizeMethod), pattern, app, options?.name);
    return this;
  }

  /**
   * Mounts `app` under `prefix`, for every method: a request for `/blog/posts/1` reaches the
   * app mounted at `/blog` with `SCRIPT_NAME` + `/blog` and `PATH_INFO` `/posts/1`, so the app
   * sees itself at the root (and links correctly with `url(…, { environ })`). The prefix
   * matches whole segments only, and may have parameters (`/users/:id`), which the mounted
   * app reads with `routeParams` along with its own.
   * @example r.mount('/blog', blog, { name: 'blog' })
   */
  mount(prefix: string, app: App, options?: MountOptions): this {
    tableOf(this).addMount(prefix, app, options?.name);
    return this;
  }

  /**
   * The URL of a named route with these parameters, percent-encoded. With `environ`, it
   * starts with the request's `SCRIPT_NAME`; `name.route` reaches into a router mounted
   * with that name. Throws a `TypeError` for an unknown name or a missing parameter.
   * @example r.url('user', { id: 42 }, { query: { tab: 'posts' } }) // '/users/42?tab=posts'
   */
  url(name: string, params: UrlParams = {}, options: UrlOptions = {}): string {
    return finishUrl(tableOf(this).pathFor(name, params), options);
  }
}

// Routers are real functions: `call`, `apply` and `bind` work on them.
Object.setPrototypeOf(Router.prototype, Function.prototype);

/**
 * Makes a {@link Router}: an app that dispatches by path and method.
 * @example
 * const r = router();
 * r.get('/users/:id', showUser, { name: 'user' });
 * r.mount('/blog', blog);
 * serve(r);
 */
export function router(options?: RouterOptions): Router {
  return new Router(options);
}
