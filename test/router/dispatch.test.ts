import { type App, MethodNotAllowed, type Middleware, NotFound, Unauthorized } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { PARAMS_KEY, Router, router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { call, echo, seen } from './helpers.js';

describe('a router is an app', () => {
  it('is a callable Router that dispatches by path', async () => {
    const r = router();
    r.get('/hello', echo('hello'));
    expect(typeof r).toBe('function');
    expect(r).toBeInstanceOf(Router);
    expect((await seen(r, 'GET', '/hello')).name).toBe('hello');
  });

  it('chains registrations', async () => {
    const r = router().get('/a', echo('a')).post('/b', echo('b'));
    expect((await seen(r, 'POST', '/b')).name).toBe('b');
  });

  it('passes through an async app and its body', async () => {
    const r = router().get('/slow', async (_environ, startResponse) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      startResponse('201 Created', [['Content-Type', 'text/plain']]);
      return ['done'];
    });
    const reply = await call(r, 'GET', '/slow');
    expect([reply.status, reply.body]).toEqual([201, 'done']);
  });
});

describe('methods', () => {
  const r = router()
    .get('/items', echo('list'))
    .post('/items', echo('create'))
    .put('/items/:id', echo('replace'))
    .patch('/items/:id', echo('update'))
    .delete('/items/:id', echo('remove'))
    .route(['GET', 'head'], '/status', echo('status'))
    .all('/any', echo('any'));

  it('dispatches each method to its app', async () => {
    expect((await seen(r, 'GET', '/items')).name).toBe('list');
    expect((await seen(r, 'POST', '/items')).name).toBe('create');
    expect((await seen(r, 'PUT', '/items/1')).name).toBe('replace');
    expect((await seen(r, 'PATCH', '/items/1')).name).toBe('update');
    expect((await seen(r, 'DELETE', '/items/1')).name).toBe('remove');
    expect((await seen(r, 'HEAD', '/status')).name).toBe('status');
  });

  it('all() answers every method, even made-up ones', async () => {
    for (const method of ['GET', 'POST', 'DELETE', 'PURGE', 'OPTIONS']) {
      expect(await seen(r, method, '/any')).toMatchObject({ name: 'any', method });
    }
  });

  it('matches methods case-sensitively, as HTTP does', async () => {
    await expect(call(r, 'get', '/items')).rejects.toBeInstanceOf(MethodNotAllowed);
  });

  it('answers 405 with an Allow header listing every method of the path', async () => {
    const error = await call(r, 'DELETE', '/items').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MethodNotAllowed);
    expect((error as MethodNotAllowed).status).toBe(405);
    expect((error as MethodNotAllowed).headers).toContainEqual(['Allow', 'GET, HEAD, POST, OPTIONS']);
  });

  it('collects Allow across every pattern that matches the path', async () => {
    const r2 = router().get('/users/me', echo('me')).delete('/users/:id', echo('delete'));
    const error = await call(r2, 'PUT', '/users/me').catch((thrown: unknown) => thrown);
    expect((error as MethodNotAllowed).allowed).toEqual(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
  });

  it('renders the 405 like the server does', async () => {
    const reply = await call(r, 'PUT', '/items', { render: true });
    expect(reply.status).toBe(405);
    expect(reply.header('Allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('throws NotFound (an app) when no route matches', async () => {
    const error = await call(r, 'GET', '/nowhere').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotFound);
    const reply = await call(r, 'GET', '/nowhere', { render: true });
    expect(reply.status).toBe(404);
  });
});

describe('HEAD and OPTIONS', () => {
  it('HEAD falls back to the GET app, which sees the HEAD method', async () => {
    const r = router().get('/page', echo('page'));
    expect(await seen(r, 'HEAD', '/page')).toMatchObject({ name: 'page', method: 'HEAD' });
  });

  it('an explicit HEAD route wins over GET', async () => {
    const r = router().get('/page', echo('get')).head('/page', echo('head'));
    expect((await seen(r, 'HEAD', '/page')).name).toBe('head');
    expect((await seen(r, 'GET', '/page')).name).toBe('get');
  });

  it('HEAD without a GET route is a 405', async () => {
    const r = router().post('/form', echo('post'));
    const error = await call(r, 'HEAD', '/form').catch((thrown: unknown) => thrown);
    expect((error as MethodNotAllowed).allowed).toEqual(['POST', 'OPTIONS']);
  });

  it('answers OPTIONS by itself: 204 with Allow', async () => {
    const r = router().get('/things/:id', echo('get')).put('/things/:id', echo('put'));
    const reply = await call(r, 'OPTIONS', '/things/7');
    expect(reply.status).toBe(204);
    expect(reply.header('Allow')).toBe('GET, HEAD, PUT, OPTIONS');
    expect(reply.body).toBe('');
  });

  it('an explicit OPTIONS route wins over the automatic answer', async () => {
    const r = router().get('/cors', echo('get')).options('/cors', echo('preflight'));
    expect((await seen(r, 'OPTIONS', '/cors')).name).toBe('preflight');
  });

  it('OPTIONS on an unknown path is a 404', async () => {
    await expect(call(router().get('/a', echo('a')), 'OPTIONS', '/b')).rejects.toBeInstanceOf(NotFound);
  });

  it('answers OPTIONS * (the server-wide question) with every method it serves, mounted routers included', async () => {
    const api = router().delete('/items/:id', echo('delete')).patch('/items/:id', echo('patch'));
    const r = router().get('/', echo('home')).post('/form', echo('post')).mount('/api', api);
    r.mount('/self', r); // a router mounted inside itself is counted once
    const reply = await call(r, 'OPTIONS', '*');
    expect(reply.status).toBe(204);
    expect(reply.header('Allow')).toBe('GET, HEAD, POST, PATCH, DELETE, OPTIONS');
    // with no route at all, still a 204: the server answers OPTIONS
    expect((await call(router(), 'OPTIONS', '*')).header('Allow')).toBe('OPTIONS');
  });

  it('does not serve the root to another method that targets *', async () => {
    const r = router().get('/', echo('home'));
    await expect(call(r, 'GET', '*')).rejects.toBeInstanceOf(NotFound);
  });
});

describe('which route answers', () => {
  it('a route without parameters beats a pattern, whatever the order', async () => {
    const r = router().get('/users/:id', echo('user')).get('/users/new', echo('new'));
    expect((await seen(r, 'GET', '/users/new')).name).toBe('new');
    expect((await seen(r, 'GET', '/users/42')).name).toBe('user');
  });

  it('a pattern with more literal leading segments beats a vaguer one', async () => {
    const r = router().get('/:section/:page', echo('generic')).get('/docs/:page', echo('docs'));
    expect((await seen(r, 'GET', '/docs/intro')).name).toBe('docs');
    expect((await seen(r, 'GET', '/blog/intro')).name).toBe('generic');
  });

  it('among equals, the first added wins', async () => {
    const r = router().get('/files/:name', echo('first')).get('/files/*rest', echo('second'));
    expect((await seen(r, 'GET', '/files/a')).name).toBe('first');
    expect((await seen(r, 'GET', '/files/a/b')).name).toBe('second');
  });

  it('goes on to a later route when the first one matching lacks the method', async () => {
    const r = router().post('/users/new', echo('create')).get('/users/:id', echo('show'));
    expect(await seen(r, 'GET', '/users/new')).toMatchObject({ name: 'show', params: { id: 'new' } });
  });

  it('matches paths case-sensitively and without a trailing slash by default', async () => {
    const r = router().get('/users', echo('users'));
    await expect(call(r, 'GET', '/Users')).rejects.toBeInstanceOf(NotFound);
    await expect(call(r, 'GET', '/users/')).rejects.toBeInstanceOf(NotFound);
  });

  it('matches decoded paths: patterns are written as the path reads', async () => {
    const r = router().get('/café/a b', echo('cafe')).get('/100%/:x', echo('percent'));
    expect((await seen(r, 'GET', '/caf%C3%A9/a%20b')).name).toBe('cafe');
    expect(await seen(r, 'GET', '/100%25/y%25')).toMatchObject({ name: 'percent', params: { x: 'y%' } });
  });

  it('an empty PATH_INFO is the root', async () => {
    const r = router().get('/', echo('root'));
    const environ = mockEnviron({ method: 'GET', url: '/' });
    environ.PATH_INFO = '';
    const body = await r(environ, () => () => {});
    expect(JSON.parse(String([...(body as string[])][0])).name).toBe('root');
  });

  it('routes no PATH_INFO without its leading `/` (a middleware rewrote it): every pattern starts with one', () => {
    const r = router().get('/user/:id', echo('user')).get('/:name', echo('name'));
    for (const path of ['user/42', 'xuser/42', 'zzzz/42', 'name']) {
      const environ = mockEnviron({ method: 'GET', url: '/user/42' });
      environ.PATH_INFO = path;
      expect(() => r(environ, () => () => {})).toThrow(NotFound);
    }
  });
});

describe('route-level middleware', () => {
  const requireToken: Middleware = (app: App) => (environ, startResponse) => {
    if (environ.HTTP_AUTHORIZATION !== 'Bearer secret') throw new Unauthorized('Token required');
    return app(environ, startResponse);
  };

  it('wraps a single route, since middleware is app → app', async () => {
    const r = router()
      .get('/admin', requireToken(echo('admin')))
      .get('/public', echo('public'));
    await expect(call(r, 'GET', '/admin')).rejects.toBeInstanceOf(Unauthorized);
    expect((await seen(r, 'GET', '/admin', { headers: [['Authorization', 'Bearer secret']] })).name).toBe(
      'admin',
    );
    expect((await seen(r, 'GET', '/public')).name).toBe('public');
  });
});

describe('the caller’s environ', () => {
  it('gets the matched params (router.params), and keeps its own paths across mounts', async () => {
    const inner = router().get('/:id', echo('inner'));
    const r = router().get('/users/:id', echo('user')).mount('/inner', inner);
    const cases: Array<[string, Record<string, string> | undefined]> = [
      ['/users/1', { id: '1' }], // set on the request's environ, as WSGI routing middleware does
      ['/inner/2', undefined], // the mounted router works on a copy with its own SCRIPT_NAME
    ];
    for (const [target, params] of cases) {
      const environ = mockEnviron({ method: 'GET', url: target });
      const before = { ...environ };
      await r(environ, () => () => {});
      const { [PARAMS_KEY]: set, ...rest } = environ;
      expect(set).toEqual(params);
      expect(rest).toEqual(before);
    }
  });
});
