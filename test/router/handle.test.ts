import { type App, Request, Response } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { handle, type Router, router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { call, underOneSegment } from './helpers.js';

describe('handle(): a request → response handler for a route', () => {
  it('gets the decoded parameters of its pattern on request.params', async () => {
    const r = router().get(
      '/users/:id/files/*path',
      handle((request) => Response.json({ id: request.params.id, path: request.params.path })),
    );
    const reply = await call(r, 'GET', '/users/J%C3%BCrgen/files/a%2Fb/c.txt');
    expect(JSON.parse(reply.body)).toEqual({ id: 'Jürgen', path: ['a/b', 'c.txt'] });
  });

  it('leaves an optional group that did not match out of params', async () => {
    const r = router().get(
      '/posts{/:year}',
      handle((request) => request.params.year ?? 'all years'),
    );
    expect((await call(r, 'GET', '/posts')).body).toBe('all years');
    expect((await call(r, 'GET', '/posts/2024')).body).toBe('2024');
  });

  it('gets the same Request object a middleware made with Request.of', async () => {
    let seenByMiddleware: Request | undefined;
    let seenByHandler: Request | undefined;
    const r = router().get(
      '/x/:id',
      handle((request) => {
        seenByHandler = request;
        return 'ok';
      }),
    );
    const app: App = (environ, startResponse) => {
      seenByMiddleware = Request.of(environ);
      return r(environ, startResponse);
    };
    await call(app, 'GET', '/x/1');
    expect(seenByHandler).toBeDefined();
    expect(seenByHandler).toBe(seenByMiddleware);
  });
});

describe('url(request, …): links from inside a request keep the mount point', () => {
  const users = router()
    .post(
      '/users',
      handle((request): Response => {
        // what a create handler does: answer 201 with where the new resource lives
        return new Response('created\n', {
          status: 201,
          headers: { Location: users.url(request, 'user', { id: 2 }) },
        });
      }),
    )
    .get(
      '/users/:id',
      handle((request) => `user ${request.params.id}`),
      { name: 'user' },
    );

  it('answers 201 with a Location under /api when mounted at /api', async () => {
    const site = router().mount('/api', users);
    const reply = await call(site, 'POST', '/api/users');
    expect(reply.status).toBe(201);
    expect(reply.header('Location')).toBe('/api/users/2');
    expect((await call(site, 'GET', reply.header('Location') as string)).body).toBe('user 2');
  });

  it('at the root, and under a mount made by other means than a router', async () => {
    expect((await call(users, 'POST', '/users')).header('Location')).toBe('/users/2');
    expect((await call(underOneSegment(users), 'POST', '/v1/users')).header('Location')).toBe('/v1/users/2');
  });

  it('under nested mounts with parameters, an encoded slash kept', async () => {
    const site = router().mount('/t/:tenant', router().mount('/api', users));
    const reply = await call(site, 'POST', '/t/a%2Fb%20c/api/users');
    expect(reply.header('Location')).toBe('/t/a%2Fb%20c/api/users/2');
  });

  it('takes the environ as well as the request', () => {
    const environ = mockEnviron({ method: 'GET', url: '/', environ: { SCRIPT_NAME: '/my app' } });
    expect(users.url(environ, 'user', { id: 'a b' })).toBe('/my%20app/users/a%20b');
    expect(users.url(Request.of(environ), 'user', { id: 1 }, { query: { x: 'y' } })).toBe(
      '/my%20app/users/1?x=y',
    );
  });

  it('refuses the old url(name, params) form, pointing at both ways', () => {
    const loose: Router = users;
    expect(() => loose.url('user' as never, 'user', { id: 1 })).toThrow(
      /url\(\) takes the request \(or its environ\) first.*unmountedPath\(name, params\)/,
    );
    expect(() => loose.url({} as never, 'user', { id: 1 })).toThrow(/takes the request/);
  });

  it('unmountedPath() ignores the mount point, as its name says', async () => {
    let built = '';
    const inner = router()
      .get(
        '/',
        handle((): string => {
          built = inner.unmountedPath('page', { n: 3 });
          return built;
        }),
      )
      .get(
        '/p/:n',
        handle((request) => request.params.n),
        { name: 'page' },
      );
    await call(router().mount('/api', inner), 'GET', '/api/');
    expect(built).toBe('/p/3');
  });
});
