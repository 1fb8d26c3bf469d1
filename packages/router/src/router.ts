import {
  type App,
  type Body,
  type Environ,
  MethodNotAllowed,
  NotFound,
  type StartResponse,
} from '@tsgi/core';
import { Mount } from './mount.js';
import { withParams } from './params.js';
import { Pattern, type UrlParams } from './pattern.js';
import { normalizeMethod, Route, sortMethods } from './route.js';
import { type IndexNode, RouteIndex } from './route-index.js';
import { segmentPath } from './segment-path.js';
import { otherSpelling, permanentRedirect, redirectLocation, type TrailingSlash } from './trailing-slash.js';
import { finishUrl, type UrlOptions } from './url.js';

/** Options of {@link router}. */
export interface RouterOptions {
  /** What to do when only the other spelling of a trailing slash matches. Default `'strict'` (a 404). */
  trailingSlash?: TrailingSlash;
}

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

const TABLE = Symbol('tsgi.router.table');

/** The routing state of a router, shared by its dispatch function and its methods. */
class RouteTable {
  readonly index = new RouteIndex();
  readonly routes = new Map<string, Route>();
  readonly mounts = new Map<string, Mount>();
  readonly names = new Map<string, Route | Mount>();
  readonly trailingSlash: TrailingSlash;

  constructor(options: RouterOptions) {
    const trailingSlash = options.trailingSlash ?? 'strict';
    if (trailingSlash !== 'strict' && trailingSlash !== 'redirect') {
      throw new TypeError(
        `router: trailingSlash must be 'strict' or 'redirect', got ${String(trailingSlash)}`,
      );
    }
    this.trailingSlash = trailingSlash;
  }

  addRoute(
    methods: readonly (string | undefined)[],
    source: string,
    app: App,
    name: string | undefined,
  ): void {
    checkApp(app, source);
    const pattern = new Pattern(source, 'route');
    // one Route per path (static) or pattern, however many methods and calls add to it
    const key = pattern.staticPath === undefined ? `pattern ${source}` : `path ${pattern.staticPath}`;
    let route = this.routes.get(key);
    if (route === undefined) {
      route = new Route(pattern);
      this.routes.set(key, route);
      if (pattern.staticPath === undefined) this.index.add(route);
      else this.index.addStatic(pattern.staticPath, route);
    }
    for (const method of methods) route.add(method, app);
    if (name !== undefined) this.name(name, route);
  }

  addMount(source: string, app: App, name: string | undefined): void {
    checkApp(app, source);
    const pattern = new Pattern(source, 'mount');
    if (this.mounts.has(pattern.regexp.source))
      throw new TypeError(`Something is already mounted at ${source}`);
    const mount = new Mount(pattern, app);
    this.mounts.set(pattern.regexp.source, mount);
    this.index.add(mount);
    if (name !== undefined) this.name(name, mount);
  }

  name(name: string, entry: Route | Mount): void {
    if (typeof name !== 'string' || name === '')
      throw new TypeError('A route name must be a non-empty string');
    const named = this.names.get(name);
    if (named !== undefined && named !== entry) {
      throw new TypeError(`Duplicate route name "${name}": already ${named.pattern.source}`);
    }
    this.names.set(name, entry);
  }

  /** Runs the app that answers this request, or throws the HTTP error that does. */
  dispatch(environ: Environ, startResponse: StartResponse): Body | Promise<Body> {
    const path = segmentPath(environ) || '/'; // an empty PATH_INFO is the root of the mount
    const method = environ.REQUEST_METHOD;
    const exact = this.index.staticRoute(path);
    if (exact !== undefined) {
      const app = exact.appFor(method);
      if (app !== undefined) return app(environ, startResponse);
    }
    for (let node: IndexNode | undefined = this.index.deepest(path); node; node = node.parent) {
      for (const entry of node.entries) {
        if (entry.kind === 'mount') {
          const match = entry.pattern.regexp.exec(path);
          if (match !== null) return entry.call(environ, path, match, startResponse);
          continue;
        }
        const app = entry.appFor(method);
        if (app === undefined) continue;
        const match = entry.pattern.regexp.exec(path);
        if (match === null) continue;
        const params = entry.pattern.params(match);
        return app(withParams(environ, params), startResponse);
      }
    }
    return this.noMatch(environ, startResponse, path, method);
  }

  /** No app answers: automatic OPTIONS, 405, a trailing-slash redirect, or 404. */
  noMatch(environ: Environ, startResponse: StartResponse, path: string, method: string): Body {
    const allowed = this.allowedMethods(path);
    if (allowed.size > 0) {
      allowed.add('OPTIONS');
      const allow = sortMethods(allowed);
      if (method !== 'OPTIONS') throw new MethodNotAllowed(allow);
      startResponse('204 No Content', [['Allow', allow.join(', ')]]);
      return [];
    }
    if (this.trailingSlash === 'redirect') {
      const other = otherSpelling(path);
      if (other !== undefined && this.allowedMethods(other).size > 0) {
        const location = redirectLocation(environ, other);
        if (location !== undefined) return permanentRedirect(location)(environ, startResponse) as Body;
      }
    }
    throw new NotFound();
  }

  /** Every method some route answers for this path (the slow path: only for 405 and OPTIONS). */
  allowedMethods(path: string): Set<string> {
    const allowed = new Set<string>();
    this.index.staticRoute(path)?.addMethodsTo(allowed);
    for (let node: IndexNode | undefined = this.index.deepest(path); node; node = node.parent) {
      for (const entry of node.entries) {
        if (entry.kind === 'route' && entry.pattern.regexp.test(path)) entry.addMethodsTo(allowed);
      }
    }
    return allowed;
  }

  /** The percent-encoded path of a named route, relative to this router. */
  pathFor(name: string, params: UrlParams): string {
    const entry = this.names.get(name);
    if (entry !== undefined) {
      return entry.pattern.build(params, `${entry.kind} "${name}" (${entry.pattern.source})`) || '/';
    }
    // `blog.post`: the route `post` of the router mounted as `blog` (mount names may hold dots too)
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
      const mount = this.names.get(name.slice(0, dot));
      if (mount === undefined || mount.kind !== 'mount' || !(mount.app instanceof Router)) continue;
      const prefix = mount.pattern.build(params, `mount "${name.slice(0, dot)}" (${mount.pattern.source})`);
      return prefix + mount.app[TABLE].pathFor(name.slice(dot + 1), params);
    }
    const known = [...this.names.keys()].map((known) => JSON.stringify(known)).join(', ');
    throw new TypeError(`No route named ${JSON.stringify(name)} (known: ${known || 'none'})`);
  }
}

function checkApp(app: unknown, source: string): void {
  if (typeof app !== 'function')
    throw new TypeError(`The app for ${source} is not a function: ${typeof app}`);
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
 * matches nothing, a thrown `NotFound` (404), which the server renders.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature
export class Router {
  declare readonly [TABLE]: RouteTable;

  constructor(options: RouterOptions = {}) {
    const table = new RouteTable(options);
    // A class instance cannot be called, so the router is a function with this class's prototype.
    const app = ((environ: Environ, startResponse: StartResponse) =>
      table.dispatch(environ, startResponse)) as Router;
    Object.setPrototypeOf(app, new.target.prototype);
    Object.defineProperty(app, TABLE, { value: table });
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
    this[TABLE].addRoute([undefined], pattern, app, options?.name);
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
    this[TABLE].addRoute(list.map(normalizeMethod), pattern, app, options?.name);
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
    this[TABLE].addMount(prefix, app, options?.name);
    return this;
  }

  /**
   * The URL of a named route with these parameters, percent-encoded. With `environ`, it
   * starts with the request's `SCRIPT_NAME`; `name.route` reaches into a router mounted
   * with that name. Throws a `TypeError` for an unknown name or a missing parameter.
   * @example r.url('user', { id: 42 }, { query: { tab: 'posts' } }) // '/users/42?tab=posts'
   */
  url(name: string, params: UrlParams = {}, options: UrlOptions = {}): string {
    return finishUrl(this[TABLE].pathFor(name, params), options);
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
