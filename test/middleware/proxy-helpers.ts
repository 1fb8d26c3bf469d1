// Shared by the proxy tests: upstream tsgi servers that count their hits and can be held at a
// gate, and a proxy server in front of them.
import { type App, type Environ, validate } from '@tsgi/core';
import { type ProxyApp, type ProxyOptions, proxy } from '@tsgi/middleware/proxy';
import { type StartOptions, startServer, type TestServer } from '../helpers/server.js';

/** A promise you resolve by hand: what makes a spread deterministic without sleeps. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** An upstream server and what it saw. */
export interface Upstream {
  readonly name: string;
  readonly server: TestServer;
  readonly url: string;
  /** Requests that reached the app, in order. */
  readonly hits: Environ[];
  /** Cuts every connection and stops listening: the backend died. */
  kill(): void;
}

/** A handler per upstream: it answers with its name unless the test gives it something else. */
export type UpstreamApp = (name: string, hits: Environ[]) => App;

export const answersName: UpstreamApp = (name) => (environ, startResponse) => {
  startResponse('200 OK', [
    ['Content-Type', 'text/plain'],
    ['X-Upstream', name],
  ]);
  return [`${name} ${environ.REQUEST_METHOD} ${environ['tsgi.raw_uri']}`];
};

/** Answers with the request headers it received, as JSON. */
export const echoHeaders: UpstreamApp = (name) => (environ, startResponse) => {
  const headers: Record<string, string> = {};
  for (const key of Object.keys(environ)) {
    if (key.startsWith('HTTP_')) headers[key] = environ[key] as string;
  }
  startResponse('200 OK', [
    ['Content-Type', 'application/json'],
    ['X-Upstream', name],
  ]);
  return [JSON.stringify({ headers, uri: environ['tsgi.raw_uri'] })];
};

export async function upstream(name: string, make: UpstreamApp = answersName, options: StartOptions = {}) {
  const hits: Environ[] = [];
  const inner = make(name, hits);
  const app: App = (environ, startResponse) => {
    hits.push(environ);
    return inner(environ, startResponse);
  };
  const server = await startServer(validate(app), options);
  const kill = () => {
    server.server.close();
    server.server.closeAllConnections();
  };
  return { name, server, url: server.url, hits, kill } satisfies Upstream;
}

/** Three upstreams a, b, c with the same handler. */
export function threeUpstreams(make: UpstreamApp = answersName, options: StartOptions = {}) {
  return Promise.all(['a', 'b', 'c'].map((name) => upstream(name, make, options)));
}

const proxies: ProxyApp[] = [];

/** A proxy server in front of `options.upstreams`; its events are kept in `events`. */
export async function proxyServer(options: ProxyOptions, serveOptions: StartOptions = {}) {
  const events: string[] = [];
  const app = proxy({ errors: { write: (line) => events.push(line) }, ...options });
  proxies.push(app);
  const server = await startServer(validate(app), serveOptions);
  return { app, server, url: server.url, events };
}

/** Closes the proxies the tests made (after stopAll closed the servers). */
export async function closeProxies(): Promise<void> {
  await Promise.all(proxies.splice(0).map((app) => app.close()));
}

/** Resolves when `check()` holds, polling on the event loop (for state another socket changes). */
export async function until(check: () => boolean, what: string, limit = 15_000, every = 5): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limit) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
