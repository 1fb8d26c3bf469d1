import { createServer, type Server } from 'node:net';
import { forwardedElement } from '@tsgi/middleware/proxy';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { stopAll } from '../helpers/server.js';
import { closeProxies, echoHeaders, proxyServer, type UpstreamApp, upstream } from './proxy-helpers.js';

afterEach(async () => {
  await stopAll();
  await closeProxies();
});

describe('proxy: forwarding headers', () => {
  it('strips hop-by-hop request headers, and every one that Connection names; drops Proxy (httpoxy)', async () => {
    const up = await upstream('a', echoHeaders);
    const { server } = await proxyServer({ upstreams: [up.url] });
    const response = await rawRequest(
      server.port,
      'GET /x HTTP/1.1\r\nHost: site.test\r\nConnection: keep-alive, X-Secret, x-other\r\n' +
        'X-Secret: s\r\nX-Other: o\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\n' +
        'Proxy-Authorization: Basic eA==\r\nProxy: http://evil.test\r\nX-Keep: 1\r\n\r\n',
    );
    const { headers } = JSON.parse(response.body.toString());
    expect(headers.HTTP_X_KEEP).toBe('1');
    for (const key of [
      'X_SECRET',
      'X_OTHER',
      'KEEP_ALIVE',
      'TE',
      'UPGRADE',
      'PROXY_AUTHORIZATION',
      'PROXY',
    ]) {
      expect(headers[`HTTP_${key}`], key).toBeUndefined();
    }
    expect(headers.HTTP_HOST).toBe('site.test');
  });

  it('strips hop-by-hop response headers, and every one the upstream’s Connection names', async () => {
    const raw = await rawUpstream(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: X-Up-Secret, keep-alive\r\nX-Up-Secret: 1\r\n' +
        'Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nTrailer: X-T\r\nX-Kept: yes\r\nSet-Cookie: a=1\r\n' +
        'Set-Cookie: b=2\r\n\r\nok',
    );
    const { server } = await proxyServer({ upstreams: [raw.url] });
    const response = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response.body.toString()).toBe('ok');
    const got = response.headers.map(([name]) => name.toLowerCase());
    expect(got).toContain('x-kept');
    expect(
      response.headers.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, v]) => v),
    ).toEqual(['a=1', 'b=2']);
    for (const name of ['x-up-secret', 'proxy-authenticate', 'trailer']) expect(got).not.toContain(name);
    // the Connection and Keep-Alive on the wire are the proxy's own, not the upstream's
    expect(response.header('connection') ?? 'keep-alive').toBe('keep-alive');
    expect(response.header('keep-alive') ?? 'timeout=5').not.toContain('X-Up-Secret');
    raw.close();
  });

  it('appends X-Forwarded-For/-Proto/-Host, and Forwarded when asked', async () => {
    const up = await upstream('a', echoHeaders);
    const { server } = await proxyServer({ upstreams: [up.url], headers: { forwarded: true } });
    const response = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: site.test:8080\r\nX-Forwarded-For: 203.0.113.7\r\nForwarded: for=203.0.113.7\r\n\r\n',
    );
    const { headers } = JSON.parse(response.body.toString());
    expect(headers.HTTP_X_FORWARDED_FOR).toBe('203.0.113.7, 127.0.0.1');
    expect(headers.HTTP_X_FORWARDED_PROTO).toBe('http');
    expect(headers.HTTP_X_FORWARDED_HOST).toBe('site.test:8080');
    expect(headers.HTTP_FORWARDED).toBe('for=203.0.113.7, for=127.0.0.1;host="site.test:8080";proto=http');
  });

  it('a client’s X-Forwarded-*/Forwarded named in Connection are dropped; the proxy’s own entries still go', async () => {
    const up = await upstream('a', echoHeaders);
    const { server } = await proxyServer({ upstreams: [up.url], headers: { forwarded: true } });
    const response = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: site.test\r\nConnection: X-Forwarded-For, x-forwarded-proto, X-Forwarded-Host, Forwarded\r\n' +
        'X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n' +
        'Forwarded: for=203.0.113.7\r\n\r\n',
    );
    const { headers } = JSON.parse(response.body.toString());
    expect(headers.HTTP_X_FORWARDED_FOR).toBe('127.0.0.1');
    expect(headers.HTTP_X_FORWARDED_PROTO).toBe('http');
    expect(headers.HTTP_X_FORWARDED_HOST).toBe('site.test');
    expect(headers.HTTP_FORWARDED).toBe('for=127.0.0.1;host=site.test;proto=http');
  });

  it('rewrites Host to the upstream’s when asked', async () => {
    const up = await upstream('a', echoHeaders);
    const { url } = await proxyServer({ upstreams: [up.url], headers: { host: 'rewrite' } });
    const { headers } = await (await fetch(url)).json();
    expect(headers.HTTP_HOST).toBe(new URL(up.url).host);
    expect(headers.HTTP_X_FORWARDED_HOST).toBe(new URL(url).host);
  });

  it('Forwarded elements are tokens or quoted strings that give the values back', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{1,40}$/), fc.ipV6(), fc.ipV4(), (host, v6, v4) => {
        for (const address of [v4, v6]) {
          const element = forwardedElement(address, host, 'https');
          const match =
            /^for=("\[[0-9a-f:.]+\]"|[0-9.]+);host=([!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[^"\\]|\\.)*");proto=https$/.exec(
              element,
            );
          expect(match, element).not.toBeNull();
          const value = match![2]!;
          const back = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
          expect(back).toBe(host);
        }
      }),
    );
  });
});

describe('proxy: message framing passed through', () => {
  it('HEAD keeps the upstream’s Content-Length and sends no body; 304 passes as it is', async () => {
    const app: UpstreamApp = () => (environ, startResponse) => {
      if (environ.HTTP_IF_NONE_MATCH === '"v1"') {
        startResponse('304 Not Modified', [['ETag', '"v1"']]);
        return [];
      }
      startResponse('200 OK', [
        ['Content-Type', 'text/plain'],
        ['Content-Length', '5'],
        ['ETag', '"v1"'],
      ]);
      return environ.REQUEST_METHOD === 'HEAD' ? [] : ['hello'];
    };
    const up = await upstream('a', app);
    const { server } = await proxyServer({ upstreams: [up.url] });
    const head = await rawRequest(server.port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n', { head: true });
    expect([head.status, head.header('content-length'), head.body.length]).toEqual([200, '5', 0]);
    expect(up.hits[0]?.REQUEST_METHOD).toBe('HEAD');
    const cached = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\n');
    expect([cached.status, cached.header('etag'), cached.body.length]).toEqual([304, '"v1"', 0]);
  });

  it('answers Expect: 100-continue once it forwards the body, and does not pass Expect on', async () => {
    const app: UpstreamApp = () => async (environ, startResponse) => {
      let body = '';
      for await (const chunk of environ['tsgi.input']) body += Buffer.from(chunk).toString();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ.HTTP_EXPECT ?? 'no expect'}:${body}`];
    };
    const up = await upstream('a', app);
    const { server } = await proxyServer({ upstreams: [up.url] });
    const connection = await RawConnection.open(server.port);
    connection.write('PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await connection.waitForText('HTTP/1.1 100 Continue\r\n\r\n');
    connection.write('hello');
    await connection.waitForText('no expect:hello');
    connection.destroy();
  });

  it('streams a chunked request body (no Content-Length) to the upstream', async () => {
    const app: UpstreamApp = () => async (environ, startResponse) => {
      let body = '';
      for await (const chunk of environ['tsgi.input']) body += Buffer.from(chunk).toString();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ.CONTENT_LENGTH ?? 'chunked'}:${body}`];
    };
    const up = await upstream('a', app);
    const { server } = await proxyServer({ upstreams: [up.url] });
    const response = await rawRequest(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    expect(response.body.toString()).toBe('chunked:abcde');
  });
});

/** A TCP server that answers every request with `response`, bytes as given. */
async function rawUpstream(response: string): Promise<{ url: string; close(): void }> {
  const server: Server = createServer((socket) => {
    socket.on('data', () => socket.write(response));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
