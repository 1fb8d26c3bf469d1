import { createServer } from 'node:net';
import { type Environ, validate } from '@tsgi/core';
import { proxy } from '@tsgi/middleware/proxy';
import { router } from '@tsgi/router';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';
import {
  closeProxies,
  echoHeaders,
  gate,
  proxyServer,
  threeUpstreams,
  type UpstreamApp,
  until,
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
    await until(() => ups[0]!.hits.length === 1, 'a to hold the first');
    const second = fetch(`${url}/hold`);
    await until(() => ups[1]!.hits.length === 1, 'b to hold the second');
    // a and b each hold one: c is the least loaded, and stays so while its requests finish
    expect(await names(url, 3, '/quick')).toEqual(['c', 'c', 'c']);
    held.open();
    expect(await (await first).text()).toBe('a');
    expect(await (await second).text()).toBe('b');
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

describe('proxy: paths under a mount', () => {
  it('strips the mount point by default, keeps it when asked; encoded slashes stay encoded', async () => {
    const up = await upstream('a', echoHeaders);
    const strip = proxy({ upstreams: [up.url], errors: { write() {} } });
    const keep = proxy({ upstreams: [`${up.url}/base/`], path: 'keep', errors: { write() {} } });
    const front = await startServer(validate(router().mount('/api', strip).mount('/kept', keep)));
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

  it('never forwards a dot-segment, plain or encoded: the upstream would resolve it above the prefix', async () => {
    const up = await upstream('a', echoHeaders);
    const api = proxy({ upstreams: [`${up.url}/public`], errors: { write() {} } });
    const front = await startServer(validate(router().mount('/api', api)));
    const get = async (path: string) => {
      const connection = await RawConnection.open(front.port);
      connection.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      return connection.response();
    };
    try {
      const attempts = [
        '/api/../secret',
        '/api/x/../../secret',
        '/api/%2e%2e/secret',
        '/api/.%2E/secret',
        '/api/%2E%2E%2Fsecret',
        '/api/x/..%2f..%2fsecret',
        '/api/..%5Csecret',
        '/api/./secret',
        // Tomcat (and Jetty, Spring) drop `;params` from a segment before resolving it: `..;/`
        '/api/..;/secret',
        '/api/x/..;jsessionid=1/..;/secret',
        '/api/..%3B/secret',
        '/api/.;x/secret',
      ];
      for (const path of attempts) expect([path, (await get(path)).status]).toEqual([path, 400]);
      expect(up.hits).toHaveLength(0);
      const fine = await get('/api/a..b/.well-known/x.');
      expect(fine.status).toBe(200);
      expect(JSON.parse(fine.body.toString()).uri).toBe('/public/a..b/.well-known/x.');
      const params = await get('/api/a;v=1/...;x/..x;y');
      expect(params.status).toBe(200);
      expect(JSON.parse(params.body.toString()).uri).toBe('/public/a;v=1/...;x/..x;y');
    } finally {
      await api.close();
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

  it('interim responses (103, 102) do not stretch the head timeout: an upstream dripping them gets a 504', async () => {
    const drips = new Set<NodeJS.Timeout>();
    const dripping = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        const timer = setInterval(
          () => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'),
          50,
        );
        drips.add(timer);
        socket.once('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => dripping.listen(0, '127.0.0.1', resolve));
    const port = (dripping.address() as { port: number }).port;
    try {
      const { server } = await proxyServer({
        upstreams: [`http://127.0.0.1:${port}`],
        timeout: { head: 300 },
      });
      const connection = await RawConnection.open(server.port);
      connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const answer = await Promise.race([connection.response(), sleep(3000).then(() => 'still waiting')]);
      expect(typeof answer === 'string' ? answer : answer.status).toBe(504);
    } finally {
      for (const timer of drips) clearInterval(timer);
      dripping.close();
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
