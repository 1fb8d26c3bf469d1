/**
 * The processes of the proxy benchmark (bench/proxy.ts), one per run, chosen by PROXY_KIND:
 * `upstream` (the tsgi hello app every proxy forwards to), and the proxies in front of it —
 * `tsgi` (`proxy()` from @tsgi/middleware), `fastify` (@fastify/http-proxy) and `express`
 * (http-proxy-middleware 3 on Express 5). Each prints `listening <port>` once it accepts.
 * nginx is started by the runner itself. Two floors, measured and never shipped, bound what any
 * Node proxy can cost: `floor-http` (node:http in, undici's `dispatch()` out, headers passed as
 * they came, no checks: an HTTP proxy with nothing but the parsing and the two sockets) and
 * `floor-tcp` (a byte pipe, one upstream connection per client connection: no HTTP at all).
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
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
  } else if (kind === 'floor-http') {
    await floorHttp();
  } else if (kind === 'floor-tcp') {
    const { hostname, port } = new URL(upstream);
    const server = createTcpServer((client) => {
      const up = connect(Number(port), hostname);
      client.pipe(up).on('error', () => client.destroy());
      up.pipe(client).on('error', () => up.destroy());
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
    server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
  } else {
    throw new Error(
      `PROXY_KIND must be upstream, tsgi, fastify, express, floor-http or floor-tcp, got ${kind}`,
    );
  }
}

/** node:http in, undici `dispatch()` out, the raw header lists passed through: the HTTP floor. */
async function floorHttp(): Promise<void> {
  const { Pool } = await import('undici');
  const pool = new Pool(upstream, { connections: 128 });
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    pool.dispatch(
      { method: 'GET', path: req.url ?? '/', headers: req.rawHeaders },
      {
        onRequestStart() {},
        onResponseStart(controller, status) {
          const raw = controller.rawHeaders as unknown as Buffer[];
          const headers: string[] = [];
          for (let i = 0; i < raw.length; i += 2) {
            const name = raw[i]!.toString('latin1');
            if (name.length !== 10 || name.toLowerCase() !== 'connection')
              headers.push(name, raw[i + 1]!.toString('latin1'));
          }
          res.writeHead(status, headers);
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        },
        onResponseError(_controller, error) {
          res.destroy(error);
        },
      },
    );
  });
  server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
}

void main();
