import { createServer, type Server } from 'node:net';
import type { App, Environ } from '@tsgi/core';
import { forwardedElement, proxy } from '@tsgi/middleware/proxy';
import { router } from '@tsgi/router';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw.js';
import { stopAll } from '../helpers/server.js';
import {
  closeProxies,
  gate,
  proxyServer,
  threeUpstreams,
  type UpstreamApp,
  upstream,
} from './proxy-helpers.js';

afterEach(async () => {
  await stopAll();
  await closeProxies();
});

const names = async (url: string, count: number, path = '/'): Promise<string[]> => {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) seen.push((await fetch(url + path)).headers.get('x-upstream') ?? '?');
  return seen;
};

/** Answers with the request headers it received, as JSON. */
const echoHeaders: UpstreamApp = (name) => (environ, startResponse) => {
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

describe('proxy: balancing', () => {
  it('round-robin goes round the upstreams in order', async () => {
    const ups = await threeUpstreams();
    const { url } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    expect(await names(url, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('weights share the traffic smoothly (2:1:1 gives a b c a, not a a b c)', async () => {
    const ups = await threeUpstreams();
    const { url } = await proxyServer({
      upstreams: [{ url: ups[0]!.url, weight: 2 }, ups[1]!.url, ups[2]!.url],
    });
    expect(await names(url, 8)).toEqual(['a', 'b', 'c', 'a', 'a', 'b', 'c', 'a']);
  });

  it('least-connections sends the next request to the upstream with fewest in flight', async () => {
    const held = gate();
    const holding: UpstreamApp = (name) => async (environ, startResponse) => {
      if (environ.PATH_INFO === '/hold') await held.promise;
      startResponse('200 OK', [
        ['Content-Type', 'text/plain'],
        ['X-Upstream', name],
      ]);
      return [name];
    };
    const ups = await threeUpstreams(holding);
    const { url } = await proxyServer({ upstreams: ups.map((u) => u.url), strategy: 'least-connections' });
    const first = fetch(`${url}/hold`);
    await until(() => ups[0]!.hits.length === 1);
    const second = fetch(`${url}/hold`);
    await until(() => ups[1]!.hits.length === 1);
    // a and b each hold one: c is the least loaded, and stays so while its requests finish
    expect(await names(url, 3, '/quick')).toEqual(['c', 'c', 'c']);
    held.open();
    expect((await first).headers.get('x-upstream')).toBe('a');
    expect((await second).headers.get('x-upstream')).toBe('b');
    // all idle again: ties go round, starting after the last one picked
    expect(await names(url, 3, '/quick')).toEqual(['a', 'b', 'c']);
  });

  it('a custom strategy picks among the healthy candidates', async () => {
    const ups = await threeUpstreams();
    const seen: number[] = [];
    const { url } = await proxyServer({
      upstreams: ups.map((u) => u.url),
      strategy: (candidates, environ: Environ) => {
        seen.push(candidates.length);
        return candidates.find((c) => c.url === ups[Number(environ.HTTP_X_PIN)]?.url);
      },
    });
    const pinned = await fetch(url, { headers: { 'X-Pin': '2' } });
    expect(pinned.headers.get('x-upstream')).toBe('c');
    expect(seen).toEqual([3]);
    // nothing chosen: 502 from the proxy's own error page
    const none = await fetch(url, { headers: { 'X-Pin': '9', Accept: 'application/json' } });
    expect(none.status).toBe(502);
    expect(none.headers.get('content-type')).toMatch(/json/);
  });
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

  it('rewrites Host to the upstream’s when asked', async () => {
    const up = await upstream('a', echoHeaders);
    const { url } = await proxyServer({ upstreams: [up.url], headers: { host: 'rewrite' } });
    const { headers } = await (await fetch(url)).json();
    expect(headers.HTTP_HOST).toBe(new URL(up.url).host);
    expect(headers.HTTP_X_FORWARDED_HOST).toBe(new URL(url).host);
  });

  it('Forwarded elements are tokens or quoted strings that give the values back', () => {
    const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
    const unquote = (v: string) =>
      token.test(v) ? v : JSON.parse(`"${v.slice(1, -1).replace(/\\(.)/g, '$1')}"`.replace(/^"|"$/g, '"'));
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
        void unquote;
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

describe('proxy: paths under a mount', () => {
  it('strips the mount point by default, keeps it when asked; encoded slashes stay encoded', async () => {
    const up = await upstream('a', echoHeaders);
    const strip = proxy({ upstreams: [up.url], errors: { write() {} } });
    const keep = proxy({ upstreams: [`${up.url}/base/`], path: 'keep', errors: { write() {} } });
    const site = router().mount('/api', strip).mount('/kept', keep);
    const { server } = await proxyServer({ upstreams: [up.url] }); // unused: only for cleanup symmetry
    void server;
    const front = await (await import('../helpers/server.js')).startServer(site as App);
    try {
      const a = await (await fetch(`${front.url}/api/x%2Fy?q=1`)).json();
      expect(a.uri).toBe('/x%2Fy?q=1');
      const b = await (await fetch(`${front.url}/kept/x?q=1`)).json();
      expect(b.uri).toBe('/base/kept/x?q=1');
      const c = await (await fetch(`${front.url}/api`)).json();
      expect(c.uri).toBe('/');
    } finally {
      await Promise.all([strip.close(), keep.close()]);
    }
  });
});

describe('proxy: failures at the edges', () => {
  it('answers 502 at once when every upstream is down, and logs each ejection', async () => {
    const ups = await threeUpstreams();
    for (const u of ups) u.kill();
    const { url, events } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    const first = await fetch(url);
    expect(first.status).toBe(502);
    expect(events.filter((e) => e.includes('ejected'))).toHaveLength(3);
    expect(events.filter((e) => e.includes('retried'))).toHaveLength(2);
    // now all are out of service: no connection is even tried
    const before = events.length;
    expect((await fetch(url)).status).toBe(502);
    expect(events.length).toBe(before);
    for (const line of events)
      expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
  });

  it('answers 504 on an upstream slower than the head timeout, and does not ask another', async () => {
    const never = gate();
    const closed: string[] = [];
    const slow: UpstreamApp = (name) => async (_environ, startResponse) => {
      if (name === 'a') await never.promise;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign([name], { close: () => void closed.push(name) });
    };
    const ups = await threeUpstreams(slow);
    const { url } = await proxyServer({ upstreams: ups.map((u) => u.url), timeout: { head: 150 } });
    try {
      const response = await fetch(url);
      expect(response.status).toBe(504);
      expect(ups[1]!.hits.length + ups[2]!.hits.length).toBe(0);
    } finally {
      never.open();
    }
  });

  it('refuses bad options with a TypeError naming the option', () => {
    expect(() => proxy({ upstreams: [] })).toThrow(/upstreams/);
    expect(() => proxy({ upstreams: ['ftp://x'] })).toThrow(/upstreams\[0\].*http/);
    expect(() => proxy({ upstreams: ['http://x/?q'] })).toThrow(/query/);
    expect(() => proxy({ upstreams: [{ url: 'http://x', weight: 0 }] })).toThrow(/weight/);
    expect(() => proxy({ upstreams: ['http://x'], strategy: 'random' as never })).toThrow(/strategy/);
    expect(() => proxy({ upstreams: ['http://x'], retries: -1 })).toThrow(/retries/);
    expect(() => proxy({ upstreams: ['http://x'], timeout: { head: 0 } })).toThrow(/timeout.head/);
    expect(() => proxy({ upstreams: ['http://x'], healthCheck: { path: 'health' } })).toThrow(
      /healthCheck.path/,
    );
    expect(() => proxy({ upstreams: ['http://x'], path: 'drop' as never })).toThrow(/path/);
    expect(() => proxy({ upstreams: ['http://x'], headers: { host: 'x' as never } })).toThrow(/headers.host/);
  });
});

async function until(check: () => boolean): Promise<void> {
  const { until: wait } = await import('./proxy-helpers.js');
  await wait(check, 'the upstream to see the request');
}

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
