/**
 * The processes of the proxy benchmark (bench/proxy.ts), one per run, chosen by PROXY_KIND:
 * `upstream` (the tsgi hello app every proxy forwards to), and the proxies in front of it —
 * `tsgi` (`proxy()` from @tsgi/middleware), `fastify` (@fastify/http-proxy) and `express`
 * (http-proxy-middleware 3 on Express 5). Each prints `listening <port>` once it accepts.
 * nginx is started by the runner itself.
 */
import { type App, serve } from '@tsgi/core';
import { proxy } from '@tsgi/middleware/proxy';

const HELLO = 'Hello World!';
const kind = process.env.PROXY_KIND ?? 'upstream';
const upstream = process.env.PROXY_UPSTREAM ?? '';

function announce(port: number): void {
  process.once('SIGINT', () => process.exit(0));
  process.stdout.write(`listening ${port}\n`);
}

async function main(): Promise<void> {
  if (kind === 'upstream') {
    const hello: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
      return [HELLO];
    };
    const server = await serve(hello, { port: 0 });
    announce(server.port);
  } else if (kind === 'tsgi') {
    const server = await serve(proxy({ upstreams: [upstream] }), { port: 0 });
    announce(server.port);
  } else if (kind === 'fastify') {
    const { default: fastify } = await import('fastify');
    const { default: httpProxy } = await import('@fastify/http-proxy');
    const app = fastify({ logger: false });
    await app.register(httpProxy, { upstream });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    announce(typeof address === 'object' && address !== null ? address.port : 0);
  } else if (kind === 'express') {
    const { default: express } = await import('express');
    const { createProxyMiddleware } = await import('http-proxy-middleware');
    const { Agent } = await import('node:http');
    const app = express();
    // http-proxy opens a connection per request unless given an agent: keep-alive, as the others
    app.use(
      createProxyMiddleware({ target: upstream, agent: new Agent({ keepAlive: true, maxSockets: 128 }) }),
    );
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      announce(typeof address === 'object' && address !== null ? address.port : 0);
    });
  } else {
    throw new Error(`PROXY_KIND must be upstream, tsgi, fastify or express, got ${kind}`);
  }
}

void main();
