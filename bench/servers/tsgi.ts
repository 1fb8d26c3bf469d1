/**
 * tsgi: plain contract apps behind @tsgi/router, served by `serve` from @tsgi/core.
 * BENCH_TABLE_SIZE sets the route table's size (10 by default, 1,000 for the scale row);
 * BENCH_CONTEXT=1 wraps the router in `requestContext()` (AsyncLocalStorage);
 * BENCH_BARE=1 dispatches by hand, like servers/node.ts, to measure the gateway without the router.
 * BENCH_TOOLKIT=stacked serves `GET /` through 10 `mapResponse` layers that read a header (=apart: each
 * behind a no-op layer, so none shares a capture): hello's path, so the row differs from hello by the layers alone.
 * No limit of requests per connection, as the peers (see MAX_REQUESTS_PER_CONNECTION in common.ts).
 */
import {
  type App,
  type Body,
  type Middleware,
  mapResponse,
  NotFound,
  Request,
  requestContext,
  type StartResponse,
  serve,
} from '@tsgi/core';
// The subpath, not the package root: the root loads every middleware (and undici), and on Node 20 that
// much startup work alone costs any server ~1,100 instructions a request (bench/README.md, "Startup").
import { compose } from '@tsgi/middleware/compose';
import { routeParams, router } from '@tsgi/router';
import {
  announce,
  fillerRoutes,
  HELLO,
  HOST,
  MAX_REQUESTS_PER_CONNECTION,
  MIDDLEWARE_LAYERS,
  TEXT,
} from './common.js';

const text =
  (body: string): App =>
  (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', TEXT]]);
    return [body];
  };

const hello = text(HELLO);

// The same work as Fastify's handler returning `{ id }` for it to serialize. (Until the third
// session this made a closure per request, `json(id)(environ, startResponse)`: results/2026-12-01-count.md.)
const userPage = (id: unknown, startResponse: StartResponse): Body => {
  const body = JSON.stringify({ id });
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [body];
};

const user: App = (environ, startResponse) => userPage(routeParams(environ).id, startResponse);

// The body read the way an app reads it (as Fastify's parsed body or Hono's arrayBuffer()).
const echo: App = async (environ, startResponse) => {
  const body = await Request.of(environ).bytes();
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return [body];
};

// The same through the bare contract: `for await` over tsgi.input.
const echoIterating: App = async (environ, startResponse) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of environ['tsgi.input']) chunks.push(chunk);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return [Buffer.concat(chunks)];
};

const noop: Middleware = (app) => (environ, startResponse) => app(environ, startResponse);
const layered = compose(...Array.from({ length: MIDDLEWARE_LAYERS }, () => noop))(hello);

// Issue 11's claim: a toolkit middleware that only reads a header, on a synchronous array body,
// adds no promise and no per-chunk work (hello through 10 of them stays within 2% of hello).
let seenType: string | undefined;
const readsHeader = mapResponse((response) => {
  seenType = response.getHeader('content-type');
});
const toolkitLayered = compose(...Array.from({ length: MIDDLEWARE_LAYERS }, () => readsHeader))(hello);
// The same 10 layers each behind a no-op one, so that none shares another's capture: what a lone layer costs.
const toolkitApart = compose(...Array.from({ length: MIDDLEWARE_LAYERS }, () => [readsHeader, noop]).flat())(
  hello,
);

// Fails the request if the layers did not read what hello sent: checked once a request, not in each
// layer (an imported constant compared in each of 10 layers costs ~200 instructions of its own).
const checkingType =
  (app: App): App =>
  (environ, startResponse) => {
    const body = app(environ, startResponse);
    if (seenType !== TEXT) throw new Error(`mapResponse read ${seenType}`);
    seenType = undefined;
    return body;
  };

function helloRoute(toolkit: string | undefined): App {
  if (toolkit === undefined) return hello;
  if (toolkit === 'stacked') return checkingType(toolkitLayered);
  if (toolkit === 'apart') return checkingType(toolkitApart);
  throw new Error(`BENCH_TOOLKIT must be stacked or apart, got ${toolkit}`);
}

const r = router();
for (const path of fillerRoutes()) r.get(path, text('resource'));
r.get('/user/:id', user);
r.get('/mw', layered);
r.post('/echo', echo);
r.post('/echo/iterate', echoIterating);
r.get('/', helloRoute(process.env.BENCH_TOOLKIT));

const USER = /^\/user\/([^/]+)$/;
const bare: App = (environ, startResponse) => {
  const path = environ.PATH_INFO;
  const method = environ.REQUEST_METHOD;
  if (method === 'GET' && (path === '/' || path === '/mw')) return hello(environ, startResponse);
  if (method === 'POST' && path === '/echo') return echo(environ, startResponse);
  if (method === 'POST' && path === '/echo/iterate') return echoIterating(environ, startResponse);
  const match = method === 'GET' ? USER.exec(path) : null;
  if (match) return userPage(match[1], startResponse);
  throw new NotFound();
};

const routed: App = process.env.BENCH_BARE === '1' ? bare : r;
const app: App = process.env.BENCH_CONTEXT === '1' ? requestContext()(routed) : routed;
const server = await serve(app, {
  host: HOST,
  port: 0,
  maxRequestsPerConnection: MAX_REQUESTS_PER_CONNECTION,
});
announce(server.port);
