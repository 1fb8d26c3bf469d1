import { handler, NotFound, Response } from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { PARAMS_KEY, routeParams, router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { call, echo, seen, underOneSegment } from './helpers.js';

describe('routeParams', () => {
  const r = router()
    .get('/users/:id', echo('user'))
    .get('/files/*path', echo('files'))
    .get('/posts{/:year{/:month}}', echo('archive'))
    .get('/repos/:owner/:repo/blob/*path', echo('blob'));

  it('reads a parameter under the router.params key', async () => {
    expect((await seen(r, 'GET', '/users/42')).params).toEqual({ id: '42' });
    expect(PARAMS_KEY).toBe('router.params');
  });

  it('is empty outside a router', () => {
    expect(routeParams(mockEnviron({ method: 'GET', url: '/' }))).toEqual({});
  });

  it('gives a wildcard as its segments', async () => {
    expect((await seen(r, 'GET', '/files/a/b/c.txt')).params).toEqual({ path: ['a', 'b', 'c.txt'] });
  });

  it('leaves out optional parameters that are absent', async () => {
    expect((await seen(r, 'GET', '/posts')).params).toEqual({});
    expect((await seen(r, 'GET', '/posts/2024')).params).toEqual({ year: '2024' });
    expect((await seen(r, 'GET', '/posts/2024/05')).params).toEqual({ year: '2024', month: '05' });
  });

  it('keeps every parameter name exactly, quoted, digit-like or not ASCII', async () => {
    // the router stores names as V8's property keys (pattern.ts, propertyKey): the same strings
    const odd = router().get('/a/:"user id"/:"0"/:café', echo('odd')).get('/b/*"rest of it"', echo('rest'));
    expect((await seen(odd, 'GET', '/a/7/x/cr%C3%A8me')).params).toEqual({
      'user id': '7',
      '0': 'x',
      café: 'crème',
    });
    expect((await seen(odd, 'GET', '/b/p/q')).params).toEqual({ 'rest of it': ['p', 'q'] });
  });

  it('mixes parameters and wildcards', async () => {
    expect((await seen(r, 'GET', '/repos/tsgi/tsgi/blob/main/src/index.ts')).params).toEqual({
      owner: 'tsgi',
      repo: 'tsgi',
      path: ['main', 'src', 'index.ts'],
    });
  });

  it('decodes parameters (UTF-8, spaces, %, +)', async () => {
    expect((await seen(r, 'GET', '/users/J%C3%BCrgen%20M%25+1')).params).toEqual({ id: 'Jürgen M%+1' });
  });

  it('does not need a parameter to be a whole segment', async () => {
    const r2 = router().get('/photos/:name.:ext', echo('photo'));
    expect((await seen(r2, 'GET', '/photos/cat.png')).params).toEqual({ name: 'cat', ext: 'png' });
  });
});

describe('percent-encoded slashes', () => {
  const r = router().get('/files/:name', echo('file')).get('/tree/*path', echo('tree'));

  it('keep %2F inside its parameter instead of splitting the segment', async () => {
    expect((await seen(r, 'GET', '/files/a%2Fb')).params).toEqual({ name: 'a/b' });
    expect((await seen(r, 'GET', '/files/a%2fb')).params).toEqual({ name: 'a/b' });
  });

  it('stay in their element of a wildcard', async () => {
    expect((await seen(r, 'GET', '/tree/a%2Fb/c')).params).toEqual({ path: ['a/b', 'c'] });
  });

  it('cannot make a path reach a route with more segments', async () => {
    const r2 = router().get('/a/:x/:y', echo('two'));
    await expect(call(r2, 'GET', '/a/b%2Fc')).rejects.toBeInstanceOf(NotFound);
  });

  it('keep %252F (an encoded %) apart from %2F', async () => {
    expect((await seen(r, 'GET', '/files/a%252Fb')).params).toEqual({ name: 'a%2Fb' });
    expect((await seen(r, 'GET', '/files/%25%2F%25')).params).toEqual({ name: '%/%' });
  });

  it('are found in an absolute-form request-target too', async () => {
    expect((await seen(r, 'GET', 'http://example.com/files/a%2Fb?x=1')).params).toEqual({ name: 'a/b' });
  });

  it('are found below an outer mount point', async () => {
    const environ = await seen(underOneSegment(r), 'GET', '/app/files/x%2Fy');
    expect(environ).toMatchObject({ scriptName: '/app', params: { name: 'x/y' } });
  });

  it('fall back to PATH_INFO when a middleware rewrote it', async () => {
    const environ = mockEnviron({ method: 'GET', url: '/files/a%2Fb' });
    environ.PATH_INFO = '/files/rewritten';
    const body = (await r(environ, () => () => {})) as string[];
    expect(JSON.parse(String(body[0])).params).toEqual({ name: 'rewritten' });
  });
});

describe('Request.params', () => {
  it('gives the same parameters as routeParams to a handler', async () => {
    const r = router().get(
      '/users/:id',
      handler((req) => Response.json(req.params)),
    );
    const response = await request(r, { url: '/users/42' });
    expect(await response.json()).toEqual({ id: '42' });
  });
});
