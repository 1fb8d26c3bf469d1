import {
  type App,
  BadRequest,
  type Body,
  DOT_SEGMENT_REASON,
  type Environ,
  hasDotSegment,
  MethodNotAllowed,
  NotFound,
  Response,
  type StartResponse,
} from '@tsgi/core';
import { Mount } from './mount.js';
import { mergeParams, PARAMS_KEY } from './params.js';
import { Pattern, type UrlParams } from './pattern.js';
import { Route, sortMethods } from './route.js';
import { type IndexNode, RouteIndex } from './route-index.js';
import { plainPath, segmentPath } from './segment-path.js';
import { otherSpelling, redirectLocation, type TrailingSlash } from './trailing-slash.js';
import { type Placed, refuseUnreachable } from './unreachable.js';

/** Options of `router()`. */
export interface RouterOptions {
  /** What to do when only the other spelling of a trailing slash matches. Default `'strict'` (a 404). */
  trailingSlash?: TrailingSlash;
}

/** The table of each router (by its app), so a router can reach the routes of one mounted in it. */
const tables = new WeakMap<App, RouteTable>();

/** The table of a router made by `router()`. */
export function tableOf(router: App): RouteTable {
  const table = tables.get(router);
  if (table === undefined) throw new TypeError('Not a router made by router()');
  return table;
}

/** Makes the app that dispatches with `table`. */
export function dispatcher(table: RouteTable): App {
  const app: App = (environ, startResponse) => table.dispatch(environ, startResponse);
  tables.set(app, table);
  return app;
}

/** The routing state of a router: what its methods add to, and what dispatches requests. */
export class RouteTable {
  readonly index = new RouteIndex();
  readonly routes = new Map<string, Route>();
  readonly mounts = new Map<string, Mount>();
  readonly names = new Map<string, Route | Mount>();
  /** The routes with parameters and the mounts, in the order added (for refuseUnreachable). */
  readonly placed = new Map<Route | Mount, Placed>();
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
    const existing = this.routes.get(key);
    const route = existing ?? new Route(pattern);
    if (pattern.staticPath === undefined) refuseUnreachable(this.placed.values(), this.place(route), methods);
    if (existing === undefined) {
      this.routes.set(key, route);
      if (pattern.staticPath === undefined) {
        this.index.add(route);
        this.placed.set(route, this.place(route));
      } else this.index.addStatic(pattern.staticPath, route);
    }
    for (const method of methods) route.add(method, app);
    if (name !== undefined) this.name(name, route);
  }

  addMount(source: string, app: App, name: string | undefined): void {
    checkApp(app, source);
    const pattern = new Pattern(source, 'mount');
    if (this.mounts.has(pattern.regexp.source)) {
      throw new TypeError(`Something is already mounted at ${source}`);
    }
    const mount = new Mount(pattern, app);
    refuseUnreachable(this.placed.values(), this.place(mount), [undefined]);
    this.mounts.set(pattern.regexp.source, mount);
    this.index.add(mount);
    this.placed.set(mount, this.place(mount));
    if (name !== undefined) this.name(name, mount);
  }

  /** Where an entry sits in the order of dispatch: its place if added, else the next one. */
  place(entry: Route | Mount): Placed {
    return this.placed.get(entry) ?? { entry, order: this.placed.size };
  }

  name(name: string, entry: Route | Mount): void {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('A route name must be a non-empty string');
    }
    const named = this.names.get(name);
    if (named !== undefined && named !== entry) {
      throw new TypeError(`Duplicate route name "${name}": already ${named.pattern.source}`);
    }
    this.names.set(name, entry);
  }

  /** Runs the app that answers this request, or throws the HTTP error that does. */
  dispatch(environ: Environ, startResponse: StartResponse): Body | Promise<Body> {
    const method = environ.REQUEST_METHOD;
    // `/api/../admin` must not reach the mount at /api, nor `/files/..` a `:name` handler
    // (PATH_INFO is decoded: `%2e%2e` counts too). One indexOf, inline, on a path without a dot.
    const info = environ.PATH_INFO;
    if (info.indexOf('.') !== -1 && hasDotSegment(info)) throw new BadRequest(DOT_SEGMENT_REASON);
    if (isAsteriskForm(environ)) return this.answerAsterisk(method, startResponse);
    // Fast paths (plainPath, the static-length filter, matchRoute's walk), measured by npm run
    // bench:count: GET /user/42 cost 62,890 and 62,840 instructions per request before them,
    // 62,353 and 62,429 after (-0.8%).
    const plain = plainPath(environ);
    const path = (plain ?? segmentPath(environ)) || '/'; // an empty PATH_INFO is the root of the mount
    const exact = this.index.staticRoute(path);
    if (exact !== undefined) {
      const app = exact.appFor(method);
      if (app !== undefined) return app(environ, startResponse);
    }
    for (let node: IndexNode | undefined = this.index.deepest(path); node; node = node.parent) {
      for (const entry of node.entries) {
        if (entry.kind === 'mount') {
          const match = entry.match(path);
          if (match !== null) return entry.call(environ, path, match, startResponse);
          continue;
        }
        const app = entry.appFor(method);
        if (app === undefined) continue;
        const params = entry.pattern.matchIndexed(path, plain !== undefined);
        if (params === null) continue;
        // Set on the request's own environ, as WSGI routing middleware sets wsgiorg.routing_args:
        // a copy of the whole environ would cost more than the rest of the dispatch.
        environ[PARAMS_KEY] = mergeParams(environ, params);
        return app(environ, startResponse);
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
        if (location !== undefined) return Response.redirect(location, 308)(environ, startResponse);
      }
    }
    throw new NotFound();
  }

  /**
   * `OPTIONS *` asks what the server supports, not a path: 204 with every method some route
   * of this router (or of a router mounted in it) answers. Any other method cannot target `*`.
   */
  answerAsterisk(method: string, startResponse: StartResponse): Body {
    if (method !== 'OPTIONS') throw new NotFound();
    const allowed = this.allMethods(new Set(['OPTIONS']));
    startResponse('204 No Content', [['Allow', sortMethods(allowed).join(', ')]]);
    return [];
  }

  /** Adds every method a route answers, here and in the routers mounted here, to `allowed`. */
  allMethods(allowed: Set<string>, visited = new Set<RouteTable>()): Set<string> {
    if (visited.has(this)) return allowed; // a router mounted inside itself
    visited.add(this);
    for (const route of this.routes.values()) route.addMethodsTo(allowed);
    for (const mount of this.mounts.values()) tables.get(mount.app)?.allMethods(allowed, visited);
    return allowed;
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
      const label = `${entry.kind} "${name}" (${entry.pattern.source})`;
      return (
        (entry.kind === 'mount' ? entry.build(params, label) : entry.pattern.build(params, label)) || '/'
      );
    }
    // `blog.post`: the route `post` of the router mounted as `blog` (mount names may hold dots too)
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
      const mount = this.names.get(name.slice(0, dot));
      if (mount?.kind !== 'mount') continue;
      const inner = tables.get(mount.app);
      if (inner === undefined) continue;
      const prefix = mount.build(params, `mount "${name.slice(0, dot)}" (${mount.pattern.source})`);
      return prefix + inner.pathFor(name.slice(dot + 1), params);
    }
    const known = [...this.names.keys()].map((known) => JSON.stringify(known)).join(', ');
    throw new TypeError(`No route named ${JSON.stringify(name)} (known: ${known || 'none'})`);
  }
}

/** The request-target `*` (`OPTIONS * HTTP/1.1`): the one request with no path at all. */
function isAsteriskForm(environ: Environ): boolean {
  return environ.PATH_INFO === '' && environ.SCRIPT_NAME === '' && environ['tsgi.raw_uri'] === '*';
}

function checkApp(app: unknown, source: string): void {
  if (typeof app !== 'function') {
    throw new TypeError(`The app for ${source} is not a function: ${typeof app}`);
  }
}
