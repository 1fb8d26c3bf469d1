import type { IncomingMessage, ServerResponse } from 'node:http';
import { type App, fromFetch, fromNode, NotFound, validate } from '@tsgi/core';
import { routeParams, router } from '@tsgi/router';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { call, echo, seen, underOneSegment } from './helpers.js';

describe('mount', () => {
  it('moves the matched prefix from PATH_INFO to SCRIPT_NAME', async () => {
    const r = router().mount('/blog', echo('blog'));
    expect(await seen(r, 'GET', '/blog/posts/1?x=1')).toMatchObject({
      scriptName: '/blog',
      pathInfo: '/posts/1',
    });
    expect(await seen(r, 'GET', '/blog/')).toMatchObject({ scriptName: '/blog', pathInfo: '/' });
    expect(await seen(r, 'GET', '/blog')).toMatchObject({ scriptName: '/blog', pathInfo: '' });
  });

  it('matches whole segments only: /blogs is not under /blog', async () => {
    const r = router().mount('/blog', echo('blog'));
    await expect(call(r, 'GET', '/blogs')).rejects.toBeInstanceOf(NotFound);
    await expect(call(r, 'GET', '/blogs/1')).rejects.toBeInstanceOf(NotFound);
  });

  it('ignores a trailing slash in the prefix, and mounts at the root with /', async () => {
    const r = router().mount('/a/', echo('a')).mount('/', echo('root'));
    expect(await seen(r, 'GET', '/a/x')).toMatchObject({ name: 'a', scriptName: '/a', pathInfo: '/x' });
    expect(await seen(r, 'GET', '/other')).toMatchObject({
      name: 'root',
      scriptName: '',
      pathInfo: '/other',
    });
  });

  it('answers every method', async () => {
    const r = router().mount('/api', echo('api'));
    expect((await seen(r, 'DELETE', '/api/x')).method).toBe('DELETE');
  });

  it('prefers its own routes without parameters, then the most specific mount', async () => {
    const r = router()
      .mount('/api', echo('api'))
      .mount('/api/v2', echo('v2'))
      .get('/api/health', echo('health'))
      .get('/:page', echo('page'));
    expect((await seen(r, 'GET', '/api/health')).name).toBe('health');
    expect(await seen(r, 'GET', '/api/v2/users')).toMatchObject({ name: 'v2', scriptName: '/api/v2' });
    expect(await seen(r, 'GET', '/api/v1/users')).toMatchObject({ name: 'api', pathInfo: '/v1/users' });
    expect((await seen(r, 'GET', '/api')).name).toBe('api');
    expect((await seen(r, 'GET', '/about')).name).toBe('page');
  });

  it('gives the mounted app the parameters of its prefix', async () => {
    const r = router().mount('/orgs/:org', echo('org'));
    expect(await seen(r, 'GET', '/orgs/acme/members')).toMatchObject({
      scriptName: '/orgs/acme',
      pathInfo: '/members',
      params: { org: 'acme' },
    });
  });

  it('adds to the SCRIPT_NAME of an outer mount', async () => {
    const r = router().mount('/blog', echo('blog'));
    expect(await seen(underOneSegment(r), 'GET', '/site/blog/x')).toMatchObject({
      scriptName: '/site/blog',
      pathInfo: '/x',
    });
  });

  it('decodes SCRIPT_NAME and PATH_INFO, keeping %2F out of the segment structure', async () => {
    const r = router().mount('/d/:dir', echo('dir'));
    expect(await seen(r, 'GET', '/d/a%2Fb/c%20d')).toMatchObject({
      scriptName: '/d/a/b',
      pathInfo: '/c d',
      params: { dir: 'a/b' },
    });
  });

  it('builds environs that pass the contract validator at every depth', async () => {
    const leaf = router()
      .get('/:id', validate(echo('leaf')))
      .get('/', validate(echo('index')));
    const app = router().mount('/a/:x', validate(router().mount('/b', validate(leaf))));
    expect(await seen(app, 'GET', '/a/1/b/2')).toMatchObject({ name: 'leaf', scriptName: '/a/1/b' });
    expect(await seen(app, 'GET', '/a/p%2Fq/b/x%2Fy%20z')).toMatchObject({
      scriptName: '/a/p/q/b',
      params: { x: 'p/q', id: 'x/y z' },
    });
    expect(await seen(app, 'GET', '/a/1/b')).toMatchObject({ name: 'index', pathInfo: '' });
    expect((await call(app, 'OPTIONS', '/a/1/b/2')).status).toBe(204);
    await expect(call(app, 'GET', '/a/1/b/2/3')).rejects.toBeInstanceOf(NotFound);
  });

  it('does not mount a prefix ending in an encoded slash: SCRIPT_NAME cannot end with /', async () => {
    const r = router().mount('/u/:name', echo('user'));
    expect((await seen(r, 'GET', '/u/a%2Fb/x')).scriptName).toBe('/u/a/b');
    await expect(call(r, 'GET', '/u/a%2F/x')).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a second app at the same prefix', () => {
    const r = router().mount('/x', echo('x'));
    expect(() => r.mount('/x/', echo('y'))).toThrow(/already mounted at \/x\//);
  });
});

describe('nested routers', () => {
  // site → /shop → /stores/:store → /departments/:dept/items → /:item: three mounts, four routers
  const items = router().get('/', echo('items-index'), { name: 'index' }).get('/:item', echo('item'), {
    name: 'item',
  });
  const departments = router().mount('/departments/:dept/items', items, { name: 'items' });
  const shop = router().mount('/stores/:store', departments, { name: 'store' });
  const site = router().mount('/shop', shop, { name: 'shop' });

  it('dispatch three mounts deep, each seeing itself at the root', async () => {
    expect(await seen(site, 'GET', '/shop/stores/s1/departments/toys/items/ball')).toMatchObject({
      name: 'item',
      scriptName: '/shop/stores/s1/departments/toys/items',
      pathInfo: '/ball',
      params: { store: 's1', dept: 'toys', item: 'ball' },
    });
  });

  it('let an inner parameter win a clash with an outer one', async () => {
    const inner = router().get('/:id', echo('inner'));
    const outer = router().mount('/things/:id', inner);
    expect((await seen(outer, 'GET', '/things/outer/inner')).params).toEqual({ id: 'inner' });
  });

  it('keep %2F in a parameter at every depth', async () => {
    expect(await seen(site, 'GET', '/shop/stores/a%2Fb/departments/c%2Fd/items/e%2Ff')).toMatchObject({
      scriptName: '/shop/stores/a/b/departments/c/d/items',
      pathInfo: '/e/f',
      params: { store: 'a/b', dept: 'c/d', item: 'e/f' },
    });
  });

  it('throw the inner router’s 404 and 405', async () => {
    await expect(call(site, 'GET', '/shop/stores/s1/departments/toys/items/a/b')).rejects.toBeInstanceOf(
      NotFound,
    );
    const reply = await call(site, 'POST', '/shop/stores/s1/departments/toys/items/ball', { render: true });
    expect([reply.status, reply.header('Allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });

  it('build links from inside: url() with the environ includes SCRIPT_NAME', async () => {
    const linker: App = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [items.url(environ, 'item', { item: 'kite' })];
    };
    const app = router().mount(
      '/shop',
      router().mount('/stores/:store', router().mount('/departments/:dept/items', linker)),
    );
    const reply = await call(app, 'GET', '/shop/stores/s%20%C3%A9/departments/toys/items/ball');
    expect(reply.body).toBe('/shop/stores/s%20%C3%A9/departments/toys/items/kite');
  });

  it('build links from outside by dotted names', () => {
    expect(site.unmountedPath('shop.store.items.item', { store: 's1', dept: 'toys', item: 'ball' })).toBe(
      '/shop/stores/s1/departments/toys/items/ball',
    );
    expect(site.unmountedPath('shop.store.items.index', { store: 's1', dept: 'toys' })).toBe(
      '/shop/stores/s1/departments/toys/items/',
    );
    expect(shop.unmountedPath('store', { store: 's1' })).toBe('/stores/s1');
  });
});

describe('mounting other kinds of apps', () => {
  it('mounts a plain tsgi app', async () => {
    const plain: App = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ.SCRIPT_NAME}|${environ.PATH_INFO}|${routeParams(environ).v}`];
    };
    const reply = await call(router().mount('/:v/plain', plain), 'GET', '/v1/plain/x');
    expect(reply.body).toBe('/v1/plain|/x|v1');
  });

  it('mounts a fetch handler (a Hono app) that routes as if at the root', async () => {
    const hono = new Hono()
      .get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')} at ${new URL(c.req.url).pathname}`))
      .notFound((c) => c.text('hono 404', 404));
    const r = router().mount('/hono', fromFetch(hono.fetch)).get('/tsgi', echo('tsgi'));
    const reply = await call(r, 'GET', '/hono/hello/w%2Fx');
    expect([reply.status, reply.body]).toEqual([200, 'hello w/x at /hello/w%2Fx']);
    expect((await call(r, 'GET', '/hono/missing')).status).toBe(404);
    expect((await seen(r, 'GET', '/tsgi')).name).toBe('tsgi');
  });

  // The mount point itself holds a %2F: the raw path must be cut where SCRIPT_NAME ends, not after
  // as many slashes as the decoded SCRIPT_NAME has.
  it('keeps a %2F below a parameterised mount whose parameter holds one, for a fetch handler', async () => {
    const handler = (request: Request) => new Response(new URL(request.url).pathname);
    const r = router().mount('/t/:tenant', fromFetch(handler));
    expect((await call(r, 'GET', '/t/a%2Fb/x%2Fy')).body).toBe('/x%2Fy');
    expect((await call(r, 'GET', '/t/a%2Fb/c/x%2Fy?q=1')).body).toBe('/c/x%2Fy');
  });

  it('keeps a %2F below a parameterised mount whose parameter holds one, for a Node listener', async () => {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`${req.url} ${(req as IncomingMessage & { originalUrl: string }).originalUrl}`);
    };
    const r = router().mount('/t/:tenant', fromNode(listener));
    expect((await call(r, 'GET', '/t/a%2Fb/x%2Fy?q=1')).body).toBe('/x%2Fy?q=1 /t/a%2Fb/x%2Fy?q=1');
  });
});
