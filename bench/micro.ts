/**
 * In-process micro-benchmarks (tinybench): the tsgi hot path without sockets, so a regression in
 * the environ build, runApp or the middleware call chain shows even when the socket numbers are noisy.
 * Prints a markdown table; `run.ts` includes it in the results. Run alone: `npx tsx micro.ts`.
 */
import {
  type App,
  createEnviron,
  type Environ,
  type EnvironInit,
  type Middleware,
  Request,
  runApp,
} from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compose } from '@tsgi/middleware';
import { routeParams, router } from '@tsgi/router';
import { Bench, type Task } from 'tinybench';
import { HELLO, MIDDLEWARE_LAYERS, TEXT } from './servers/common.js';

const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', TEXT]]);
  return [HELLO];
};

const noop: Middleware = (app) => (environ, startResponse) => app(environ, startResponse);
const layered = compose(...Array.from({ length: MIDDLEWARE_LAYERS }, () => noop))(hello);

const user: App = (environ, startResponse) => {
  const body = JSON.stringify({ id: routeParams(environ).id });
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [body];
};
const routes = router().get('/user/:id', user).get('/mw', layered).get('/', hello);

const init: EnvironInit = {
  method: 'GET',
  target: '/user/42?page=2',
  rawHeaders: [
    'Host',
    '127.0.0.1:8000',
    'User-Agent',
    'wrk/4.1.0',
    'Accept',
    'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Encoding',
    'gzip, deflate, br',
    'Accept-Language',
    'en-US,en;q=0.5',
    'Connection',
    'keep-alive',
    'Cookie',
    'session=abc123',
    'Cache-Control',
    'no-cache',
  ],
  input: (async function* () {})(),
  serverName: '127.0.0.1',
  serverPort: '8000',
  remoteAddr: '127.0.0.1',
  remotePort: '50000',
};

const environ: Environ = createEnviron(init);
const write = () => {};
const startResponse = () => write;

const nullSink = {
  sendHead() {},
  write: () => true,
  drained: () => Promise.resolve(),
  end() {},
  abort() {},
};

// A 1 KB body in one chunk, read the way apps read it: a per-request cost here (a WeakMap entry
// per request once cost the garbage collector 6 µs under load) shows without sockets.
const KILOBYTE = new Uint8Array(1024);
const postInit = (): EnvironInit => ({
  ...init,
  method: 'POST',
  rawHeaders: [...init.rawHeaders, 'Content-Length', '1024'],
  input: {
    async *[Symbol.asyncIterator]() {
      yield KILOBYTE;
    },
  },
});

const bench = new Bench({ time: Number(process.env.MICRO_MS ?? 500), warmupTime: 200 });
bench
  .add('hello app called directly', () => {
    hello(environ, startResponse);
  })
  .add(`${MIDDLEWARE_LAYERS} no-op layers + hello, called directly (compose)`, () => {
    layered(environ, startResponse);
  })
  .add('createEnviron (GET, 8 headers, query)', () => {
    createEnviron(init);
  })
  .add('runApp(hello) into a null sink', () => runApp(hello, environ, nullSink))
  .add('createEnviron + runApp(hello): the server path minus node:http', () =>
    runApp(hello, createEnviron(init), nullSink),
  )
  .add('request(hello): the test client (runs under validate)', () => request(hello))
  .add(`request(${MIDDLEWARE_LAYERS} layers + hello)`, () => request(layered))
  .add('request(router) GET /user/42', () => request(routes, { url: '/user/42' }))
  .add('createEnviron + Request.of(environ).bytes(): a 1 KB body', () =>
    Request.of(createEnviron(postInit())).bytes(),
  );

await bench.warmup();
await bench.run();

const nsPerOp = (task: Task | undefined) => (task?.result ? task.result.mean * 1e6 : Number.NaN);
const format = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const lines = ['| task | ops/s | ns/op | ± |', '| --- | ---: | ---: | ---: |'];
for (const task of bench.tasks) {
  const result = task.result;
  if (!result) continue;
  if (result.error) {
    lines.push(`| ${task.name} | failed: ${String(result.error)} | | |`);
    continue;
  }
  lines.push(
    `| ${task.name} | ${format(result.hz)} | ${format(nsPerOp(task), 1)} | ${format(result.rme, 1)}% |`,
  );
}
const perLayer = (nsPerOp(bench.tasks[1]) - nsPerOp(bench.tasks[0])) / MIDDLEWARE_LAYERS;
lines.push('', `One no-op middleware layer costs about ${format(perLayer, 1)} ns in process.`);
process.stdout.write(`${lines.join('\n')}\n`);
