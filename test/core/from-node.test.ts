// fromNode: an Express 5 app (a Node (req, res) listener) mounted under /legacy as a tsgi app,
// served for real by serve(); and the req/res emulation under a server that is not node:http.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, fromNode, type Middleware, type ServerHandle, serve, toFetch, validate } from '@tsgi/core';
import { router } from '@tsgi/router';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deferred } from '../helpers/bodies.js';
import { readFirstChunkThenLeave } from '../helpers/http.js';

/** Mounts `app` at `prefix` (PATH_INFO → SCRIPT_NAME), as a router does. */
const mount = (prefix: string, app: App): App => router().mount(prefix, app);

/** A tsgi middleware around the Express app: it sees the response and adds to it. */
const tagged: Middleware = (app) => (environ, startResponse) =>
  app(environ, (status, headers, error) =>
    startResponse(status, [...headers, ['X-Served-By', 'tsgi']], error),
  );

const decoder = new TextDecoder();

describe('fromNode: an Express 5 app mounted at /legacy, served by serve()', () => {
  const second = deferred();
  const hung = { aborted: deferred(), reqClose: deferred(), resClose: deferred() };
  let finished = false;

  const api = express.Router();
  api.get('/items', (req, res) => {
    res.json({ url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl });
  });

  const legacy = express();
  legacy.set('env', 'production'); // Express's own 500 page, without a stack trace
  legacy.use(express.json());
  legacy.use('/api', api);
  legacy.get('/users/:id', (req, res) => {
    res.json({
      id: req.params.id,
      query: req.query,
      url: req.url,
      path: req.path,
      baseUrl: req.baseUrl,
      originalUrl: req.originalUrl,
      ip: req.ip,
      protocol: req.protocol,
      hostname: req.hostname,
    });
  });
  legacy.post('/users', (req, res) => {
    res.status(201).json({ created: req.body });
  });
  legacy.get('/login', (req, res) => {
    res.cookie('session', 'abc', { httpOnly: true });
    res.cookie('theme', 'dark');
    res.redirect(`${req.baseUrl}/users/me`);
  });
  legacy.get('/stream', (_req, res) => {
    res.type('text');
    res.write('first;');
    void second.promise.then(() => res.end('second;'));
  });
  legacy.get('/boom', () => {
    throw new Error('secret detail');
  });
  legacy.get('/hang', (req, res) => {
    res.on('finish', () => {
      finished = true;
    });
    req.on('aborted', hung.aborted.resolve);
    req.on('close', hung.reqClose.resolve);
    res.on('close', hung.resClose.resolve);
    res.type('text');
    res.write('waiting;');
  });

  let server: ServerHandle;
  beforeAll(async () => {
    server = await serve(validate(mount('/legacy', tagged(validate(fromNode(legacy))))), { port: 0 });
  });
  afterAll(() => server.close());

  it('routes with params and the query, and sees itself mounted as Express mounts a sub-app', async () => {
    const response = await fetch(`${server.url}/legacy/users/a%2Fb?tab=posts`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-served-by')).toBe('tsgi');
    expect(await response.json()).toEqual({
      id: 'a/b',
      query: { tab: 'posts' },
      url: '/users/a%2Fb?tab=posts',
      path: '/users/a%2Fb',
      baseUrl: '/legacy',
      originalUrl: '/legacy/users/a%2Fb?tab=posts',
      ip: '127.0.0.1',
      protocol: 'http',
      hostname: '127.0.0.1',
    });
  });

  it('keeps baseUrl and originalUrl right in a router Express mounts itself', async () => {
    const response = await fetch(`${server.url}/legacy/api/items?x=1`);
    expect(await response.json()).toEqual({
      url: '/items?x=1',
      baseUrl: '/legacy/api',
      originalUrl: '/legacy/api/items?x=1',
    });
  });

  it('parses a JSON body with express.json()', async () => {
    const response = await fetch(`${server.url}/legacy/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: { name: 'Ada' } });
  });

  it('sends every res.cookie() and a res.redirect() inside the mount', async () => {
    const response = await fetch(`${server.url}/legacy/login`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/legacy/users/me');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark; Path=/']);
  });

  it('streams res.write() chunks as they are written', async () => {
    const response = await fetch(`${server.url}/legacy/stream`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('first;');
    second.resolve();
    let rest = '';
    for (let step = await reader.read(); !step.done; step = await reader.read())
      rest += decoder.decode(step.value);
    expect(rest).toBe('second;');
  });

  it('lets Express render its own 500 for an error in a route (and log it)', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await fetch(`${server.url}/legacy/boom`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).toContain('Internal Server Error');
      expect(text).not.toContain('secret');
      expect(String(log.mock.calls[0]?.[0])).toContain('secret detail');
    } finally {
      log.mockRestore();
    }
  });

  it('lets Express answer 404 for a path it does not know, naming the full path', async () => {
    const response = await fetch(`${server.url}/legacy/nothing`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Cannot GET /legacy/nothing');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await fetch(`${server.url}/legacy/users/1`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await response.text()).toBe('');
  });

  it('tells the Express app when the client goes away: req aborted and closed, res closed, never finished', async () => {
    expect(await readFirstChunkThenLeave(`${server.url}/legacy/hang`)).toBe('waiting;');
    await Promise.all([hung.aborted.promise, hung.reqClose.promise, hung.resClose.promise]);
    expect(finished).toBe(false);
  });
});

describe('fromNode: the AsyncLocalStorage context of the request, in res.sendFile and res.download callbacks', () => {
  // A request id in an AsyncLocalStorage, as a logger or a tracer keeps it: the callback of a
  // piped file must still see it (node:http's res.write() returns true below its buffer size,
  // so the file stream never pauses and resumes from outside the request).
  const context = new AsyncLocalStorage<string>();
  const seen: Array<{ route: string; store: string | undefined; error: unknown }> = [];
  let dir: string;
  let file: string;
  let server: ServerHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsgi-from-node-'));
    file = join(dir, 'report.txt');
    await writeFile(file, 'the report\n'.repeat(100));
    const legacy = express();
    legacy.use((req, _res, next) => context.run(`request ${req.query.id}`, next));
    legacy.get('/file', (_req, res) => {
      res.sendFile(file, (error) => seen.push({ route: 'sendFile', store: context.getStore(), error }));
    });
    legacy.get('/download', (_req, res) => {
      res.download(file, 'report.txt', (error) =>
        seen.push({ route: 'download', store: context.getStore(), error }),
      );
    });
    server = await serve(validate(mount('/legacy', fromNode(legacy))), { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['sendFile', '/legacy/file?id=1'],
    ['download', '/legacy/download?id=2'],
  ])('keeps the context in the res.%s callback', async (route, path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('the report\n'.repeat(100));
    await expect.poll(() => seen.find((entry) => entry.route === route)).toBeDefined();
    const entry = seen.find((e) => e.route === route);
    expect(entry?.error).toBeUndefined();
    expect(entry?.store).toBe(`request ${path.slice(-1)}`);
  });
});

describe('fromNode: a request body over the server’s limit', () => {
  it('reaches express.text() as an error Express answers with its 413', async () => {
    const legacy = express();
    legacy.set('env', 'production');
    legacy.post('/notes', express.text(), (req, res) => {
      res.send(`got ${req.body.length} characters`);
    });
    const server = await serve(validate(fromNode(legacy)), { port: 0, maxBodySize: 10 });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // chunked, so that the server finds out while the body is read, not from Content-Length
      const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/notes`,
          { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' } },
          (res) => {
            let body = '';
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        );
        req.on('error', reject);
        req.end('more than ten bytes of text');
      });
      expect(answer.status).toBe(413);
      expect(answer.body).toContain('Payload Too Large');
      // Express logs the error on its own, after the response: wait for it, so the run stays quiet
      await expect.poll(() => log.mock.calls.length).toBeGreaterThan(0);
    } finally {
      log.mockRestore();
      await server.close();
    }
  });
});

describe('fromNode: the req/res emulation under a server that is not node:http (toFetch)', () => {
  it('returns true from res.write() below 16 KiB, as node:http does; false past it, then drain once the server pulled', async () => {
    const events: string[] = [];
    const big = 'b'.repeat(64 * 1024);
    const listener = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      events.push(`first write: ${res.write('a')}`);
      events.push(`write past the mark: ${res.write(big)}`);
      res.once('drain', () => {
        events.push('drain');
        events.push(`write when full: ${res.write(big)}`);
        res.once('drain', () => {
          events.push('drain after the consumer read');
          res.end('c');
        });
      });
    };
    const response = await toFetch(validate(fromNode(listener)))(
      new globalThis.Request('http://example.test/'),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    // nobody read the body yet: the stream is full, the last chunk waits, no second drain
    expect(events).toEqual([
      'first write: true',
      'write past the mark: false',
      'drain',
      'write when full: false',
    ]);
    const text = await response.text();
    expect(text).toBe(`a${big}${big}c`);
    expect(events).toContain('drain after the consumer read');
  });

  it('emits finish then close on res, and close on req, once the server took the last byte', async () => {
    const events: string[] = [];
    const done = deferred();
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      res.on('finish', () => events.push('res finish'));
      res.on('close', () => {
        events.push('res close');
        done.resolve();
      });
      req.on('close', () => events.push('req close'));
      res.setHeader('Content-Type', 'text/plain');
      res.end('bye', () => events.push('end callback'));
    };
    const response = await toFetch(validate(fromNode(listener)))(
      new globalThis.Request('http://example.test/'),
    );
    expect(response.headers.get('content-length')).toBe('3');
    expect(await response.text()).toBe('bye');
    await done.promise;
    expect(events.indexOf('res finish')).toBeGreaterThan(-1);
    expect(events.indexOf('res finish')).toBeLessThan(events.indexOf('res close'));
    expect(events).toContain('end callback');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toContain('req close');
  });

  it('streams the request body into req, with its headers, method and client address', async () => {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            type: req.headers['content-type'],
            address: req.socket.remoteAddress,
            body,
          }),
        );
      });
    };
    const response = await toFetch(validate(fromNode(listener)), { clientAddress: () => '198.51.100.7' })(
      new globalThis.Request('http://example.test/upload?x=1', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: 'the request body',
      }),
    );
    expect(await response.json()).toEqual({
      method: 'PUT',
      url: '/upload?x=1',
      type: 'text/plain',
      address: '198.51.100.7',
      body: 'the request body',
    });
  });

  it('answers an error thrown by the listener itself with a 500 that shows no details', async () => {
    const errors: string[] = [];
    const response = await toFetch(
      fromNode(() => {
        throw new Error('secret detail');
      }),
      { errors: { write: (message) => errors.push(message) } },
    )(new globalThis.Request('http://example.test/'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
    expect(errors.join('')).toContain('secret detail');
  });

  it('cuts the response short when the listener destroys it after the headers', async () => {
    const listener = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('half;');
      setTimeout(() => res.destroy(new Error('gave up')), 5);
    };
    const response = await toFetch(validate(fromNode(listener)), { errors: { write() {} } })(
      new globalThis.Request('http://example.test/'),
    );
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});
