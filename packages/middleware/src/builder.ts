import { type App, type Middleware, normalizeMountPrefix } from '@tsgi/core';
import { compose } from './compose.js';
import { urlMap } from './url-map.js';

/** A stack being built, and the app it makes: call it as an app (the stack is fixed on the first call). */
export interface Builder extends App {
  /** Adds a middleware; the first added is the outermost (it sees the request first). */
  use(middleware: Middleware): Builder;
  /** Mounts an app under a prefix (or a `http://host/prefix` key), as {@link urlMap} does. */
  mount(prefix: string, app: App): Builder;
  /** The app at the bottom of the stack; with mounts, it answers what no mount holds. */
  run(app: App): Builder;
  /** The app this builder makes (the builder itself is that app too). */
  toApp(): App;
}

/**
 * A stack of middleware around an app or a map of mounted apps, written in the order it is
 * read, like `Rack::Builder`: `use()` adds a layer (the first is outermost), `mount()` puts an
 * app under a prefix (a {@link urlMap} of them), `run()` sets the app at the bottom (with
 * mounts: the one for every path no mount holds). The builder is itself the app; the stack is
 * fixed on its first request (or `toApp()`), after which changing it throws. Every argument is
 * checked as it is given (a TypeError naming it).
 *
 * When not to use it: for a plain list of middleware around one app, `compose()` says as much.
 * @example
 * const app = builder()
 *   .use(requestId())
 *   .use(accessLog())
 *   .mount('/api', api)
 *   .run(site);
 * serve(app);
 */
export function builder(): Builder {
  const middlewares: Middleware[] = [];
  const mounts: Record<string, App> = {};
  let bottom: App | undefined;
  let built: App | undefined;

  const open = (what: string) => {
    if (built !== undefined) throw new TypeError(`builder: ${what} after the app was built (first request)`);
  };
  const build = (): App => {
    if (built !== undefined) return built;
    const keys = Object.keys(mounts);
    let inner: App;
    if (keys.length === 0) {
      if (bottom === undefined)
        throw new TypeError('builder: nothing to run: call .run(app) or .mount(prefix, app)');
      inner = bottom;
    } else {
      const map = { ...mounts };
      if (bottom !== undefined && !('' in map)) map[''] = bottom; // a mount at '/' wins over run()
      inner = urlMap(map);
    }
    built = compose(...middlewares)(inner);
    return built;
  };

  const app = ((environ, startResponse) => (built ?? build())(environ, startResponse)) as Builder;
  app.use = (middleware) => {
    open('use()');
    if (typeof middleware !== 'function') {
      throw new TypeError(`builder: use() takes a middleware (app => app), got a ${typeof middleware}`);
    }
    middlewares.push(middleware);
    return app;
  };
  app.mount = (prefix, mounted) => {
    open('mount()');
    if (typeof mounted !== 'function')
      throw new TypeError(`builder: mount(${JSON.stringify(prefix)}) takes an app`);
    if (typeof prefix !== 'string') throw new TypeError('builder: mount() prefix must be a string');
    urlMap({ [prefix]: mounted }); // checks the key now, not at the first request
    const key = prefix.startsWith('/') ? normalizeMountPrefix(prefix) : prefix;
    if (key in mounts) throw new TypeError(`builder: ${JSON.stringify(prefix)} is mounted twice`);
    mounts[key] = mounted;
    return app;
  };
  app.run = (runApp) => {
    open('run()');
    if (typeof runApp !== 'function')
      throw new TypeError(`builder: run() takes an app, got a ${typeof runApp}`);
    if (bottom !== undefined) throw new TypeError('builder: run() called twice');
    bottom = runApp;
    return app;
  };
  app.toApp = build;
  return app;
}
