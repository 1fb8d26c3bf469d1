// fromFetch (a fetch handler — a real Hono app — as a tsgi app) and toFetch (a tsgi app as a
// fetch handler), alone, served for real, and round-tripped.
import { request as httpRequest } from 'node:http';
import { serve as honoServe } from '@hono/node-server';
import {
  type App,
  type Body,
  fromFetch,
  NotFound,
  type ServerHandle,
  serve,
  toFetch,
  validate,
} from '@tsgi/core';
import { router } from '@tsgi/router';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../helpers/bodies.js';
import { readFirstChunkThenLeave } from '../helpers/http.js';

/** Mounts `app` at `prefix` (PATH_INFO → SCRIPT_NAME), as a router does. */
const mount = (prefix: string, app: App): App => router().mount(prefix, app);

const decoder = new TextDecoder();

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | null> {
  const step = await reader.read();
  return step.done ? null : decoder.decode(step.value);
}

describe('fromFetch: a Hono app mounted at /hono, served by serve()', () => {
  const second = deferred();
  const aborted = { request: deferred(), stream: deferred() };
  const hono = new Hono();
  hono.get('/users/:id', (c) =>
    c.json({ id: c.req.param('id'), path: c.req.path, q: c.req.query('q'), url: c.req.url }),
  );
  hono.post('/users', async (c) => c.json({ created: await c.req.json() }, 201));
  hono.get('/cookies', (c) => {
    setCookie(c, 'a', '1');
    setCookie(c, 'b', '2');
    return c.text('two cookies');
  });
  hono.get('/stream', (c) => {
    c.header('Content-Type', 'text/plain');
    return stream(c, async (s) => {
      await s.write('first;');
      await second.promise;
      await s.write('second;');
    });
  });
  hono.get('/forever', (c) => {
    c.req.raw.signal.addEventListener('abort', () => aborted.request.resolve());
    c.header('Content-Type', 'text/plain');
    return stream(c, async (s) => {
      s.onAbort(() => aborted.stream.resolve());
      await s.write('tick;');
      await aborted.stream.promise;
    });
  });
  hono.get(
    '/hop-by-hop',
    () =>
      new Response('kept', { headers: { Connection: 'close', 'Keep-Alive': 'timeout=99', 'X-Kept': 'yes' } }),
  );

  let server: ServerHandle;
  beforeAll(async () => {
    server = await serve(validate(mount('/hono', validate(fromFetch(hono.fetch)))), { port: 0 });
  });
  afterAll(() => server.close());

  it('routes by the path within the mount, with params and the query', async () => {
    const response = await fetch(`${server.url}/hono/users/a%2Fb?q=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: 'a/b',
      path: '/users/a%2Fb',
      q: '1',
      url: `${server.url}/users/a%2Fb?q=1`,
    });
  });

  it('gives Hono the request body and passes its status and JSON back', async () => {
    const response = await fetch(`${server.url}/hono/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ created: { name: 'Ada' } });
  });

  it('keeps every Set-Cookie', async () => {
    const response = await fetch(`${server.url}/hono/cookies`);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(await response.text()).toBe('two cookies');
  });

  it('answers with Hono’s own 404 inside the mount', async () => {
    const response = await fetch(`${server.url}/hono/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 Not Found');
  });

  it('streams the response: a chunk arrives before the next one exists', async () => {
    const response = await fetch(`${server.url}/hono/stream`);
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe('first;');
    second.resolve();
    expect(await readChunk(reader)).toBe('second;');
    expect(await readChunk(reader)).toBeNull();
  });

  it('drops the hop-by-hop headers a handler sets instead of failing', async () => {
    const response = await fetch(`${server.url}/hono/hop-by-hop`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-kept')).toBe('yes');
    expect(response.headers.get('keep-alive')).not.toBe('timeout=99');
    expect(response.headers.get('connection')).not.toBe('close');
    expect(await response.text()).toBe('kept');
  });

  it('aborts the request signal and cancels the stream when the client goes away', async () => {
    expect(await readFirstChunkThenLeave(`${server.url}/hono/forever`)).toBe('tick;');
    await Promise.all([aborted.request.promise, aborted.stream.promise]);
  });

  it('refuses a Host header that would move the path', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/hono/users/1`,
        { headers: { Host: 'evil.test/admin?' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});

/** POSTs `body` chunked (so that the server finds it too large only while it is read), reads the answer. */
function postChunked(url: string, body: string): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('fromFetch: a request body over the server’s limit', () => {
  const tooLong = 'more than ten bytes of text';

  it('answers 413 when the handler lets the body’s error propagate', async () => {
    const handler = async (request: Request) => new Response(await request.text());
    const server = await serve(validate(fromFetch(handler)), { port: 0, maxBodySize: 10 });
    try {
      const answer = await postChunked(`${server.url}/notes`, tooLong);
      expect(answer.status).toBe(413);
      expect(answer.body).toContain('The request body is larger than 10 bytes');
    } finally {
      await server.close();
    }
  });

  it('gives the handler a plain Error that carries the status, as Hono’s onError reads it', async () => {
    const seen: unknown[] = [];
    const hono = new Hono()
      .post('/notes', async (c) => c.text(await c.req.text()))
      .onError((error, c) => {
        seen.push(error);
        const status = (error as Error & { status?: number }).status ?? 500;
        return c.text(`hono says: ${error.message}`, status as 413);
      });
    const server = await serve(validate(fromFetch(hono.fetch)), { port: 0, maxBodySize: 10 });
    try {
      const answer = await postChunked(`${server.url}/notes`, tooLong);
      expect(answer).toEqual({ status: 413, body: 'hono says: The request body is larger than 10 bytes' });
      expect(typeof seen[0]).toBe('object'); // not the HTTPError, which is a function
      expect(seen[0]).toBeInstanceOf(Error);
    } finally {
      await server.close();
    }
  });
});

/** An app that answers with the environ keys a fetch runtime's request maps to. */
const environApp: App = async (environ, startResponse) => {
  let input = '';
  for await (const chunk of environ['tsgi.input']) input += decoder.decode(chunk, { stream: true });
  const picked: Record<string, unknown> = { input };
  for (const key of [
    'REQUEST_METHOD',
    'SCRIPT_NAME',
    'PATH_INFO',
    'QUERY_STRING',
    'CONTENT_TYPE',
    'SERVER_NAME',
    'SERVER_PORT',
    'REMOTE_ADDR',
    'REMOTE_PORT',
    'HTTP_HOST',
    'HTTP_X_THING',
    'tsgi.url_scheme',
    'tsgi.raw_uri',
  ]) {
    picked[key] = environ[key];
  }
  startResponse('200 OK', [
    ['Content-Type', 'application/json'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
  return [JSON.stringify(picked)];
};

describe('toFetch: a tsgi app as a fetch handler', () => {
  it('builds the environ from the Request, and the client address from the runtime’s context', async () => {
    const handler = toFetch(validate(environApp), {
      clientAddress: (_request, context: { ip: string } | undefined) =>
        context && { address: context.ip, port: 40001 },
    });
    const response = await handler(
      new globalThis.Request('https://example.test:8443/a%20b/c?x=1', {
        method: 'POST',
        headers: { 'X-Thing': 'y', 'Content-Type': 'text/plain' },
        body: 'posted',
      }),
      { ip: '203.0.113.9' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-length')).toBe(
      String(Buffer.byteLength(await response.clone().text())),
    );
    expect(await response.json()).toEqual({
      input: 'posted',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '',
      PATH_INFO: '/a b/c',
      QUERY_STRING: 'x=1',
      CONTENT_TYPE: 'text/plain',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '8443',
      REMOTE_ADDR: '203.0.113.9',
      REMOTE_PORT: '40001',
      HTTP_HOST: 'example.test:8443',
      HTTP_X_THING: 'y',
      'tsgi.url_scheme': 'https',
      'tsgi.raw_uri': '/a%20b/c?x=1',
    });
  });

  it('streams the body as the consumer reads, pulling no further ahead than its buffer', async () => {
    let pulled = 0;
    const kib = 'x'.repeat(1024);
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (function* () {
        for (;;) {
          pulled++;
          yield kib;
        }
      })();
    };
    const response = await toFetch(validate(app))(new globalThis.Request('http://example.test/'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // the stream buffers 16 KiB; an app pulled without backpressure would run forever
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(40);
    const before = pulled;
    const reader = response.body!.getReader();
    for (let i = 0; i < 40; i++) await reader.read();
    expect(pulled).toBeGreaterThan(before + 20);
    await reader.cancel();
  });

  it('calls close() once and fires tsgi.signal when the consumer cancels the body', async () => {
    let signal: AbortSignal | undefined;
    let closes = 0;
    const app: App = (environ, startResponse): Body => {
      signal = environ['tsgi.signal'];
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      const ticks = (async function* () {
        for (;;) yield 'tick;';
      })();
      return Object.assign(ticks, { close: () => void closes++ });
    };
    const response = await toFetch(validate(app))(new globalThis.Request('http://example.test/'));
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe('tick;');
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signal?.aborted).toBe(true);
    expect(closes).toBe(1);
  });

  it('fires tsgi.signal and closes the body when request.signal aborts', async () => {
    const client = new AbortController();
    const closed = deferred();
    const app: App = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      const body = (async function* () {
        yield 'started;';
        await new Promise<void>((resolve) =>
          environ['tsgi.signal'].addEventListener('abort', () => resolve()),
        );
      })();
      return Object.assign(body, { close: closed.resolve });
    };
    const response = await toFetch(validate(app))(
      new globalThis.Request('http://example.test/', { signal: client.signal }),
    );
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe('started;');
    client.abort();
    await closed.promise;
    // the response the client left is not made to look whole
    await expect(reader.read()).rejects.toBeDefined();
  });

  it('answers an error before the headers with a 500 that shows no details, or with the HTTPError thrown', async () => {
    const errors: string[] = [];
    const failing = toFetch(
      () => {
        throw new Error('secret detail');
      },
      { errors: { write: (message) => errors.push(message) } },
    );
    const response = await failing(new globalThis.Request('http://example.test/'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
    expect(errors.join('')).toContain('secret detail');

    const missing = await toFetch(() => {
      throw new NotFound('No such user');
    })(new globalThis.Request('http://example.test/', { headers: { Accept: 'application/json' } }));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { status: 404, message: 'No such user' } });
  });

  it('errors the body stream when the app fails after the headers', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'half;';
        throw new Error('failed halfway');
      })();
    };
    const response = await toFetch(app, { errors: { write() {} } })(
      new globalThis.Request('http://example.test/'),
    );
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('failed halfway');
  });

  it('sends no body for HEAD but keeps the headers', async () => {
    const response = await toFetch(validate(environApp))(
      new globalThis.Request('http://example.test/', { method: 'HEAD' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body).toBeNull();
  });

  it.each([
    ['CR LF', 'a\r\nX-Injected: 1'],
    ['a bare LF', 'a\nX-Injected: 1'],
    ['NUL', 'a\0X-Injected: 1'],
  ])(
    'answers 500 for a header value holding %s, and injects nothing (no validator in front)',
    async (_what, value) => {
      const errors: string[] = [];
      const response = await toFetch(
        (_environ, startResponse) => {
          startResponse('200 OK', [['X-A', value]]);
          return ['body'];
        },
        { errors: { write: (message) => errors.push(message) } },
      )(new globalThis.Request('http://example.test/'));
      expect(response.status).toBe(500);
      expect(response.headers.get('x-a')).toBeNull();
      expect(response.headers.get('x-injected')).toBeNull();
      expect(errors.join('')).toContain('free of CR, LF and NUL');
    },
  );

  it('answers an undecodable path with a 400 before the app runs', async () => {
    let ran = false;
    const response = await toFetch(() => {
      ran = true;
      return [];
    })(new globalThis.Request('http://example.test/%ff'));
    expect(response.status).toBe(400);
    expect(ran).toBe(false);
    // the page a thrown BadRequest renders
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('vary')).toBe('Accept');
    expect(await response.text()).toContain('<p>The request path is not valid percent-encoded UTF-8</p>');
  });

  it('runs under @hono/node-server, with the client address from its bindings', async () => {
    const handler = toFetch(validate(environApp), {
      clientAddress: (_request, env: { incoming: { socket: { remoteAddress?: string } } } | undefined) =>
        env?.incoming.socket.remoteAddress,
    });
    const server = honoServe({ fetch: handler, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/hi?there=1`);
      expect(await response.json()).toMatchObject({
        PATH_INFO: '/hi',
        QUERY_STRING: 'there=1',
        REMOTE_ADDR: '127.0.0.1',
        HTTP_HOST: `127.0.0.1:${port}`,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('toFetch(fromFetch(handler)): the round trip', () => {
  it('streams a Hono response through both adapters chunk by chunk', async () => {
    const second = deferred();
    const hono = new Hono().get('/stream', (c) => {
      c.header('Content-Type', 'text/plain');
      return stream(c, async (s) => {
        await s.write('first;');
        await second.promise;
        await s.write('second;');
      });
    });
    const roundTrip = toFetch(validate(fromFetch(hono.fetch)));
    const response = await roundTrip(new globalThis.Request('http://example.test/stream'));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe('first;');
    second.resolve();
    expect(await readChunk(reader)).toBe('second;');
    expect(await readChunk(reader)).toBeNull();
  });

  it('carries a streamed request body and the status, headers and JSON back', async () => {
    const hono = new Hono().put('/items/:id', async (c) =>
      c.json({ id: c.req.param('id'), body: await c.req.text() }, 202, { 'X-Item': c.req.param('id') }),
    );
    const parts = ['streamed ', 'request ', 'body'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(part));
      },
    });
    const init: RequestInit & { duplex: 'half' } = { method: 'PUT', body, duplex: 'half' };
    const response = await toFetch(validate(fromFetch(hono.fetch)))(
      new globalThis.Request('http://example.test/items/7', init),
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('x-item')).toBe('7');
    expect(await response.json()).toEqual({ id: '7', body: 'streamed request body' });
  });

  it('cancelling the outer response cancels the Hono stream and aborts its request', async () => {
    const aborted = { request: deferred(), stream: deferred() };
    const hono = new Hono().get('/forever', (c) => {
      c.req.raw.signal.addEventListener('abort', () => aborted.request.resolve());
      c.header('Content-Type', 'text/plain');
      return stream(c, async (s) => {
        s.onAbort(() => aborted.stream.resolve());
        for (;;) {
          await s.write('tick;');
          if (s.aborted) return;
        }
      });
    });
    const response = await toFetch(validate(fromFetch(hono.fetch)))(
      new globalThis.Request('http://example.test/forever'),
    );
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe('tick;');
    await reader.cancel();
    await Promise.all([aborted.request.promise, aborted.stream.promise]);
  });
});
