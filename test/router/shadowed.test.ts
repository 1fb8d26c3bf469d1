import { router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { echo, seen } from './helpers.js';

// A route that an earlier one always answers first is a bug the router can see when it is
// added: it is refused, naming both, instead of never running.
describe('routes that could never run are refused', () => {
  it('the same pattern with another parameter name, for the same method', () => {
    const r = router().get('/users/:id', echo('id'));
    expect(() => r.get('/users/:name', echo('name'))).toThrow(
      'GET /users/:name would never run: GET /users/:id is tried first and matches every path it matches',
    );
  });

  it('after all() on the same pattern, or on one of the same shape', () => {
    expect(() => router().all('/items/:id', echo('all')).get('/items/:id', echo('get'))).toThrow(
      /GET \/items\/:id is routed after all\(\) \/items\/:id, which answers every method/,
    );
    expect(() => router().all('/items', echo('all')).post('/items', echo('post'))).toThrow(
      /POST \/items is routed after all\(\) \/items/,
    );
    expect(() => router().all('/items/:id', echo('all')).put('/items/:key', echo('put'))).toThrow(
      'PUT /items/:key would never run: all() /items/:id is tried first and matches every path it matches',
    );
  });

  it('a pattern that an earlier wildcard or parameter covers', () => {
    expect(() => router().get('/files/*path', echo('w')).get('/files/:name', echo('p'))).toThrow(
      /GET \/files\/:name would never run: GET \/files\/\*path/,
    );
    expect(() => router().get('/:section/:page', echo('a')).get('/:x/:y', echo('b'))).toThrow(
      /GET \/:x\/:y would never run: GET \/:section\/:page/,
    );
    expect(() => router().get('/a/*rest', echo('a')).get('/a/:b/c{/:d}', echo('b'))).toThrow(
      /would never run/,
    );
    // HEAD falls back to the GET app of a matching route
    expect(() => router().get('/p/:id', echo('get')).head('/p/:key', echo('head'))).toThrow(
      'HEAD /p/:key would never run: GET /p/:id is tried first',
    );
  });

  it('a route or mount under an earlier mount that takes every path below it', () => {
    expect(() => router().mount('/blog', echo('m')).get('/blog/:slug', echo('r'))).toThrow(
      'GET /blog/:slug would never run: the mount at /blog is tried first and matches every path it matches',
    );
    expect(() => router().mount('/', echo('m')).get('/:page', echo('r'))).toThrow(
      /the mount at \/ is tried first/,
    );
    expect(() => router().mount('/a', echo('a')).mount('/a/:x', echo('b'))).toThrow(
      'the mount at /a/:x would never run: the mount at /a is tried first',
    );
  });

  it('an earlier route that the new one would now be tried before', () => {
    // the same route gaining a method it hides another route's use of
    const r = router().get('/users/:id', echo('a')).post('/users/:name', echo('b'));
    expect(() => r.post('/users/:id', echo('c'))).toThrow(
      'POST /users/:name (added before) would never run: POST /users/:id is tried first',
    );
  });

  it('the refused route leaves the router as it was', async () => {
    const r = router().get('/users/:id', echo('id'));
    expect(() => r.get('/users/:name', echo('name'), { name: 'user' })).toThrow(/would never run/);
    expect(() => r.unmountedPath('user' as never)).toThrow(/No route named "user"/);
    expect((await seen(r, 'GET', '/users/7')).name).toBe('id');
  });
});

describe('routes that can run are kept', () => {
  it('in any order when the more specific one is tried first', async () => {
    // a deeper literal prefix is tried first, whenever it was added
    const r = router().get('/:section/:page', echo('any')).get('/docs/:page', echo('docs'));
    expect((await seen(r, 'GET', '/docs/intro')).name).toBe('docs');
    expect((await seen(r, 'GET', '/blog/intro')).name).toBe('any');
    // a path without parameters always wins
    const s = router().get('/users/:id', echo('id')).get('/users/new', echo('new'));
    expect((await seen(s, 'GET', '/users/new')).name).toBe('new');
  });

  it('for other methods, and all() added after a method as the fallback for the rest', async () => {
    const r = router()
      .get('/items/:id', echo('get'))
      .post('/items/:key', echo('post'))
      .all('/items/:any', echo('all'));
    expect((await seen(r, 'GET', '/items/1')).name).toBe('get');
    expect((await seen(r, 'POST', '/items/1')).name).toBe('post');
    expect((await seen(r, 'PUT', '/items/1')).name).toBe('all');
  });

  it('when the later pattern matches paths the earlier one does not', async () => {
    const r = router()
      .get('/files/:name', echo('one'))
      .get('/files/*path', echo('many'))
      .get('/a/:b.json', echo('json'))
      .get('/a/:b', echo('plain'))
      .get('/p{/:x}', echo('opt'))
      .get('/p/:x/:y', echo('two'));
    expect((await seen(r, 'GET', '/files/a/b')).name).toBe('many');
    expect((await seen(r, 'GET', '/a/x')).name).toBe('plain');
    expect((await seen(r, 'GET', '/p/1/2')).name).toBe('two');
    // an empty segment: `:name` needs a character, the wildcard does not run either
    const t = router().get('/t/:x', echo('x')).get('/t/', echo('slash'));
    expect((await seen(t, 'GET', '/t/')).name).toBe('slash');
  });

  it('under a mount whose prefix ends in a parameter (a %2F value falls through to the next)', async () => {
    const r = router().mount('/:tenant', echo('mount')).get('/:x/page', echo('route'));
    expect((await seen(r, 'GET', '/a%2F/page')).name).toBe('route');
    expect((await seen(r, 'GET', '/a/page')).name).toBe('mount');
  });
});
