// serve()'s access log and debug page, and toNodeListener() inside a plain node:http server.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { type App, serve, toNodeListener } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

async function start(app: App, options: Parameters<typeof serve>[1] = {}) {
  const server = await serve(app, { ...options, port: 0, errors: { write: () => {} } });
  closers.push(() => server.close());
  return server;
}

/** Resolves once `lines` has `count` entries. */
async function until(lines: string[], count: number): Promise<void> {
  for (let i = 0; i < 200 && lines.length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('serve({ accessLog })', () => {
  it('logs each response once its body is done, in the Common Log Format', async () => {
    const lines: string[] = [];
    const server = await start(hello, { accessLog: { write: (line) => lines.push(line) } });
    await httpRequest(`${server.url}/a?b=1`);
    await until(lines, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/a\?b=1 HTTP\/1\.1" 200 5 [\d.]+ms\n$/);
  });

  it('combined adds referer and user agent, escaped', async () => {
    const lines: string[] = [];
    const server = await start(hello, {
      accessLog: { format: 'combined', write: (line) => lines.push(line) },
    });
    await httpRequest(server.url, { headers: { Referer: 'http://x/"quoted"', 'User-Agent': 'ua' } });
    await until(lines, 1);
    expect(lines[0]).toContain('"http://x/\\x22quoted\\x22" "ua"');
  });

  it('a response the client left before its end is logged incomplete', async () => {
    const lines: string[] = [];
    let socket: Socket | undefined;
    const streaming: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'first';
        socket?.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield 'never seen';
      })();
    };
    const server = await start(streaming, { accessLog: { write: (line) => lines.push(line) } });
    socket = connect(server.port, '127.0.0.1');
    socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.on('error', () => {});
    await until(lines, 1);
    expect(lines[0]).toMatch(/"GET \/stream HTTP\/1\.1" 200 \d+ [\d.]+ms incomplete\n$/);
  });

  it('refuses an unknown format with a TypeError naming it', async () => {
    await expect(serve(hello, { port: 0, accessLog: 'xml' as never })).rejects.toThrow(
      /accessLog format "xml" is not one of common, combined, json/,
    );
  });
});

describe('serve({ debug })', () => {
  const failing: App = () => {
    throw new Error('bad <b>thing</b>');
  };
  // a body whose first pull fails: the app returned, but the response has not started
  const failingLater: App = () => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('in the body')) }),
  });

  it('answers an error with the debug page: the stack, escaped', async () => {
    const server = await start(failing, { debug: true });
    const response = await httpRequest(server.url, { headers: { Accept: 'text/html' } });
    expect(response.status).toBe(500);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.text).toContain('Error: bad &lt;b&gt;thing&lt;/b&gt;');
    expect(response.text).not.toContain('<b>thing');
    expect(response.text).toContain('serve-options.test.ts');
  });

  it('also for a body that fails before its first chunk', async () => {
    const server = await start(failingLater, { debug: true });
    const response = await httpRequest(server.url);
    expect(response.status).toBe(500);
    expect(response.text).toContain('Error: in the body');
  });

  it('without it, a 500 shows nothing of the error', async () => {
    const server = await start(failing);
    const response = await httpRequest(server.url);
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('bad');
  });
});

describe('toNodeListener(app)', () => {
  it('serves inside a plain node:http server, Expect: 100-continue through checkContinue', async () => {
    const echo: App = async (environ, startResponse) => {
      let body = '';
      for await (const chunk of environ['tsgi.input']) body += Buffer.from(chunk).toString();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ['tsgi.url_scheme']} ${environ.SERVER_PORT} ${body}`];
    };
    const listener = toNodeListener(echo);
    const server = createServer(listener).on('checkContinue', listener.checkContinue);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const response = await httpRequest(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'Content-Length': 2, Expect: '100-continue' },
      body: 'hi',
    });
    expect(response.text).toBe(`http ${port} hi`);
    expect(response.informational.map((r) => r.status)).toEqual([100]);
  });
});
