// One realistic stack: the everyday middleware around several apps in one process — a tsgi
// router, a Hono app and an Express app — over a real socket, each linking under its prefix.
import { currentEnviron, fromFetch, fromNode, Response, requestContext, validate } from '@tsgi/core';
import {
  accessLog,
  builder,
  conditionalGet,
  errors,
  etag,
  getRequestId,
  proxyHeaders,
  requestId,
  urlMap,
} from '@tsgi/middleware';
import { handle, router } from '@tsgi/router';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

function site() {
  const r = router()
    // `: Response` lets `r` refer to itself (its route names are typed)
    .get(
      '/users/:id',
      handle(
        (request): Response =>
          Response.json({ link: r.url(request, 'user', { id: 7 }), id: getRequestId(request.environ) }),
      ),
      { name: 'user' },
    )
    .get('/boom', () => {
      throw new Error('the database is on fire');
    });
  return r;
}

function honoApp() {
  // a fetch handler knows nothing of SCRIPT_NAME: requestContext() lends it the environ
  return new Hono().get('/hello', (c) => c.json({ link: `${currentEnviron().SCRIPT_NAME}/hello` }));
}

function expressApp() {
  const app = express();
  app.get('/users/:id', (req, res) => {
    res.json({ link: `${req.baseUrl}/users/${req.params.id}` });
  });
  return app;
}

function stack(lines: string[]) {
  return builder()
    .use(requestId())
    .use(accessLog({ format: 'json', stream: { write: (line: string) => lines.push(line) } }))
    .use(errors())
    .use(proxyHeaders({ trustedHops: 1 }))
    .use(conditionalGet())
    .use(etag())
    .run(
      urlMap({
        '/': validate(site()),
        '/hono': validate(requestContext()(fromFetch(honoApp().fetch))),
        '/legacy': validate(fromNode(expressApp())),
      }),
    );
}

describe('a realistic stack', () => {
  it('routes to each app, which links under its prefix, with every layer doing its part', async () => {
    const lines: string[] = [];
    const server = await startServer(validate(stack(lines)));
    const proxied = { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9', 'X-Forwarded-Prefix': '/edge' };

    const hono0 = await httpRequest(`${server.url}/hono/hello`, { headers: proxied });
    expect(hono0.headers.etag).toMatch(/^W\/"/); // etag() tagged the Hono app's streamed body
    lines.length = 0;
    const user = await httpRequest(`${server.url}/users/7`, {
      headers: { ...proxied, 'X-Request-Id': 'req-1' },
    });
    expect(user.status).toBe(200);
    expect(JSON.parse(user.text)).toEqual({ link: '/edge/users/7', id: 'req-1' });
    expect(user.headers['x-request-id']).toBe('req-1');
    expect(user.headers.etag).toMatch(/^W\/"/);

    const hono = await httpRequest(`${server.url}/hono/hello`, { headers: proxied });
    expect(JSON.parse(hono.text)).toEqual({ link: '/edge/hono/hello' });

    const legacy = await httpRequest(`${server.url}/legacy/users/9`, { headers: proxied });
    expect(JSON.parse(legacy.text)).toEqual({ link: '/edge/legacy/users/9' });
    const tag = legacy.headers.etag as string;
    expect(tag).toMatch(/^W\/"/);

    // a revalidation of the same page is a bodyless 304 (Express tags its own JSON; etag() the rest)
    const again = await httpRequest(`${server.url}/legacy/users/9`, {
      headers: { ...proxied, 'If-None-Match': tag },
    });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);

    const log = lines.map((line) => JSON.parse(line));
    expect(log).toHaveLength(4);
    expect(log.map((entry) => [entry.remote, entry.target, entry.status])).toEqual([
      ['203.0.113.9', '/users/7', 200],
      ['203.0.113.9', '/hono/hello', 200],
      ['203.0.113.9', '/legacy/users/9', 200],
      ['203.0.113.9', '/legacy/users/9', 304],
    ]);
    expect(log[3]).toMatchObject({ bytes: 0, outcome: 'finished' });
  });

  it('answers an app’s crash with a plain 500, logged once, and a 404 outside every mount', async () => {
    const lines: string[] = [];
    const server = await startServer(validate(stack(lines)));
    const crash = await httpRequest(`${server.url}/boom`, { headers: { Accept: 'application/json' } });
    expect(crash.status).toBe(500);
    expect(crash.text).not.toContain('fire');
    expect(crash.headers['x-request-id']).toBeDefined();
    expect(server.logs.join('').match(/the database is on fire/g)).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ status: 500 });
    const missing = await httpRequest(`${server.url}/hono/nothing`);
    expect(missing.status).toBe(404);
  });
});
