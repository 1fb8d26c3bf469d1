import type { Body, Chunk } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseResponse, RawConnection } from '../helpers/raw.js';
import { stopAll } from '../helpers/server.js';
import { closeProxies, gate, proxyServer, threeUpstreams, type UpstreamApp, until } from './proxy-helpers.js';

afterEach(async () => {
  await stopAll();
  await closeProxies();
});

const text = [['Content-Type', 'text/plain']] as Array<[string, string]>;

describe('proxy: an upstream dies mid-request', () => {
  it('a GET that had no response byte yet is retried on another upstream and succeeds', async () => {
    const never = gate();
    const app: UpstreamApp = (name) => async (_environ, startResponse) => {
      if (name === 'a') await never.promise;
      startResponse('200 OK', [...text, ['X-Upstream', name]]);
      return [name];
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { url, events } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    const pending = fetch(`${url}/page`);
    await until(() => ups[0]!.hits.length === 1, 'a to receive the GET');
    ups[0]!.kill();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('b');
    expect(events.filter((e) => e.startsWith('proxy: retried GET "/page"'))).toHaveLength(1);
    never.open();
  });

  it('a response already streaming is aborted, never made to look complete', async () => {
    const never = gate();
    const app: UpstreamApp = (name) => (_environ, startResponse) => {
      startResponse('200 OK', text);
      return (async function* () {
        yield `${name} first chunk;`;
        await never.promise;
        yield 'never sent';
      })();
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { server, events } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.waitForText('a first chunk;');
    ups[0]!.kill();
    await connection.whenClosed;
    const parsed = parseResponse(connection.received, { closed: true });
    expect(parsed?.response.status).toBe(200);
    expect(parsed?.response.complete).toBe(false);
    expect(events.some((e) => e.includes('retried'))).toBe(false);
    never.open();
  });

  it('an upstream that stalls mid-body past the body timeout: the client’s response is cut', async () => {
    const never = gate();
    const app: UpstreamApp = () => (_environ, startResponse) => {
      startResponse('200 OK', text);
      return (async function* () {
        yield 'part one;';
        await never.promise;
      })();
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { server } = await proxyServer({ upstreams: [ups[0]!.url], timeout: { body: 100 } });
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.whenClosed;
    const parsed = parseResponse(connection.received, { closed: true });
    expect(parsed?.response.body.toString()).toBe('part one;');
    expect(parsed?.response.complete).toBe(false);
    never.open();
  });

  it('a POST in flight fails with 502 and is not replayed', async () => {
    const never = gate();
    const bodies: string[] = [];
    const app: UpstreamApp = () => async (environ, startResponse) => {
      let body = '';
      for await (const chunk of environ['tsgi.input']) body += Buffer.from(chunk).toString();
      bodies.push(body);
      await never.promise;
      startResponse('200 OK', text);
      return ['charged'];
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { url } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    const pending = fetch(`${url}/charge`, { method: 'POST', body: 'amount=10' });
    await until(() => bodies.length === 1, 'the POST to arrive');
    ups[0]!.kill();
    expect((await pending).status).toBe(502);
    expect(ups.map((u) => u.hits.length)).toEqual([1, 0, 0]);
    expect(bodies).toEqual(['amount=10']);
    never.open();
  });
});

describe('proxy: an upstream that refuses connections', () => {
  it('a POST that never reached it goes to the next upstream, body and all', async () => {
    const app: UpstreamApp = (name) => async (environ, startResponse) => {
      let body = '';
      for await (const chunk of environ['tsgi.input']) body += Buffer.from(chunk).toString();
      startResponse('200 OK', text);
      return [`${name} got ${body}`];
    };
    const ups = await threeUpstreams(app);
    ups[0]!.kill();
    const { url, events } = await proxyServer({ upstreams: ups.map((u) => u.url) });
    const response = await fetch(url, { method: 'POST', body: 'order=1' });
    expect(await response.text()).toBe('b got order=1');
    expect(events.filter((e) => e.startsWith('proxy: retried POST'))).toHaveLength(1);
    expect(events.some((e) => e.startsWith(`proxy: ejected ${ups[0]!.url}: ECONNREFUSED`))).toBe(true);
  });
});

describe('proxy: health', () => {
  it('an active health check ejects a failing upstream and restores it once it answers again', async () => {
    let sick = false;
    const app: UpstreamApp = (name) => (environ, startResponse) => {
      if (environ.PATH_INFO === '/health') {
        startResponse(name === 'b' && sick ? '503 Service Unavailable' : '200 OK', text);
        return ['health'];
      }
      startResponse('200 OK', [...text, ['X-Upstream', name]]);
      return [name];
    };
    const ups = await threeUpstreams(app);
    const { url, events } = await proxyServer({
      upstreams: ups.map((u) => u.url),
      // a probe's timeout long enough that a stalled event loop never ejects a healthy one
      healthCheck: { path: '/health', interval: 20, timeout: 5000 },
    });
    const who = async () => (await fetch(url)).headers.get('x-upstream');
    sick = true;
    await until(
      () => events.some((e) => e.startsWith(`proxy: ejected ${ups[1]!.url}: health check answered 503`)),
      'b ejected',
    );
    const served = [await who(), await who(), await who(), await who()];
    expect(served).not.toContain('b');
    expect(new Set(served)).toEqual(new Set(['a', 'c']));
    sick = false;
    await until(() => events.some((e) => e.startsWith(`proxy: restored ${ups[1]!.url}`)), 'b restored');
    const after = [await who(), await who(), await who()];
    expect(after).toContain('b');
  });

  it('an ejected upstream is tried again after its back-off, which doubles while it keeps failing', async () => {
    const ups = await threeUpstreams();
    ups[0]!.kill();
    const { url, events } = await proxyServer({
      upstreams: ups.map((u) => u.url),
      passive: { backoff: 30, maxBackoff: 1000 },
    });
    expect((await fetch(url)).status).toBe(200); // a refused, b answers
    await until(
      () => events.some((e) => e.startsWith(`proxy: restored ${ups[0]!.url}: back-off over`)),
      'a restored',
    );
    // a is in the rotation again: it is tried, refuses, and is ejected for twice as long
    const ejections = () => events.filter((e) => e.startsWith(`proxy: ejected ${ups[0]!.url}`));
    for (let i = 0; i < 6 && ejections().length < 2; i++) expect((await fetch(url)).status).toBe(200);
    expect(ejections()).toHaveLength(2);
    expect(ejections()[0]).toMatch(/back in 30 ms/);
    expect(ejections()[1]).toMatch(/back in 60 ms/);
  });

  it('close() stops the probes', async () => {
    let probes = 0;
    const app: UpstreamApp = () => (_environ, startResponse) => {
      probes++;
      startResponse('200 OK', text);
      return ['ok'];
    };
    const ups = await threeUpstreams(app);
    const { app: balancer } = await proxyServer({
      upstreams: [ups[0]!.url],
      healthCheck: { path: '/health', interval: 10, timeout: 5000 },
    });
    await until(() => probes >= 3, 'three probes');
    await balancer.close();
    const after = probes;
    await new Promise((resolve) => setTimeout(resolve, 100)); // ten intervals: none may come
    expect(probes).toBe(after);
  });

  it('passive health ejects an upstream that answers 5xx repeatedly, and logs it once', async () => {
    const app: UpstreamApp = (name) => (_environ, startResponse) => {
      startResponse(name === 'b' ? '500 Internal Server Error' : '200 OK', [...text, ['X-Upstream', name]]);
      return [name];
    };
    const ups = await threeUpstreams(app);
    const { url, events } = await proxyServer({
      upstreams: ups.map((u) => u.url),
      passive: { failures: 2, backoff: 60_000 },
    });
    const statuses: string[] = [];
    for (let i = 0; i < 9; i++) {
      const response = await fetch(url);
      statuses.push(`${response.headers.get('x-upstream')}${response.status}`);
    }
    // b's 500s are passed on (not retried) until its second one ejects it
    expect(statuses.slice(0, 5)).toEqual(['a200', 'b500', 'c200', 'a200', 'b500']);
    expect(statuses.slice(5).every((s) => s === 'a200' || s === 'c200')).toBe(true);
    expect(events.filter((e) => e.includes('ejected'))).toEqual([
      `proxy: ejected ${ups[1]!.url}: answered 500; back in 60000 ms\n`,
    ]);
  });
});

describe('proxy: health a client can sway', () => {
  it('5xx a client can provoke never ejects the last upstream in service: the site stays up', async () => {
    // every upstream answers 500 on a path the client picks (a bad input, a missing record)
    const app: UpstreamApp = (name) => (environ, startResponse) => {
      const boom = environ.PATH_INFO === '/boom';
      startResponse(boom ? '500 Internal Server Error' : '200 OK', [...text, ['X-Upstream', name]]);
      return [name];
    };
    const ups = await threeUpstreams(app);
    const { url, events } = await proxyServer({
      upstreams: ups.map((u) => u.url),
      passive: { failures: 2, backoff: 60_000 },
    });
    for (let i = 0; i < 12; i++) expect((await fetch(`${url}/boom`)).status).toBe(500);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(events.filter((e) => e.includes('ejected'))).toHaveLength(2);
  });
});

describe('proxy: the client goes away', () => {
  it('mid-download: the upstream request is cancelled (its body close() runs)', async () => {
    const closed = gate();
    let sent = 0;
    const app: UpstreamApp = () => (_environ, startResponse) => {
      startResponse('200 OK', text);
      const chunk = new Uint8Array(64 * 1024).fill(120);
      const body: Body = {
        async *[Symbol.asyncIterator](): AsyncGenerator<Chunk> {
          for (;;) {
            sent += chunk.byteLength;
            yield chunk;
          }
        },
        close: () => closed.open(),
      };
      return body;
    };
    const ups = await threeUpstreams(app);
    const { server } = await proxyServer({ upstreams: [ups[0]!.url] });
    const connection = await RawConnection.open(server.port);
    connection.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.receivedAtLeast(256 * 1024);
    connection.destroy();
    await closed.promise;
    // and it was not made to produce the body the client no longer wanted
    const atClose = sent;
    expect(atClose).toBeLessThan(64 * 1024 * 1024);
  });

  it('a keep-alive client that leaves before its second head: that request is cancelled too', async () => {
    // the proxy listens once per client connection: a later request on it must be cancelled as well
    const never = gate();
    const app: UpstreamApp = () => async (environ, startResponse) => {
      if (environ.PATH_INFO === '/slow') await never.promise;
      startResponse('200 OK', text);
      return ['fast'];
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { server, events } = await proxyServer({ upstreams: [ups[0]!.url] });
    const connection = await RawConnection.open(server.port);
    connection.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).status).toBe(200);
    connection.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => ups[0]!.hits.length === 2, 'the upstream to get the second request');
    connection.destroy();
    const signal = ups[0]!.hits[1]!['tsgi.signal'];
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve());
    });
    expect(signal.aborted).toBe(true);
    expect(events.some((e) => e.includes('ejected') || e.includes('retried'))).toBe(false);
    never.open();
  });

  it('before the response head: the upstream sees its client (the proxy) leave', async () => {
    const never = gate();
    const app: UpstreamApp = () => async (_environ, startResponse) => {
      await never.promise;
      startResponse('200 OK', text);
      return ['late'];
    };
    const ups = await threeUpstreams(app, { allowViolations: true });
    const { server, events } = await proxyServer({ upstreams: [ups[0]!.url] });
    const connection = await RawConnection.open(server.port);
    connection.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => ups[0]!.hits.length === 1, 'the upstream to get the request');
    connection.destroy();
    const signal = ups[0]!.hits[0]!['tsgi.signal'];
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve());
    });
    expect(signal.aborted).toBe(true);
    expect(events.some((e) => e.includes('ejected') || e.includes('retried'))).toBe(false);
    // a client leaving is no failure of the proxy: nothing logged as one
    await until(() => server.environs.length === 1, 'the request to be seen');
    expect(server.logs.filter((line) => line.includes('error before the response started'))).toEqual([]);
    never.open();
  });
});
