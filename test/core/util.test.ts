import {
  applicationUri,
  type Environ,
  encodePath,
  rawPathInfo,
  rawScriptName,
  requestUri,
  shiftPath,
} from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';

/** A request to example.com without a Host header, with these keys set (PATH_INFO, SCRIPT_NAME…). */
function environ(values: Partial<Record<string, string>>): Environ {
  return mockEnviron({ url: 'http://example.com/', environ: { HTTP_HOST: undefined, ...values } });
}

describe('shiftPath', () => {
  it('moves one segment from PATH_INFO to SCRIPT_NAME and returns it', () => {
    const env = environ({ SCRIPT_NAME: '/app', PATH_INFO: '/users/7' });
    expect(shiftPath(env)).toBe('users');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/app/users', '/7']);
    expect(shiftPath(env)).toBe('7');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/app/users/7', '']);
    expect(shiftPath(env)).toBeUndefined();
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/app/users/7', '']);
  });

  it('keeps a trailing slash in PATH_INFO, so SCRIPT_NAME never ends with /', () => {
    const env = environ({ PATH_INFO: '/blog/' });
    expect(shiftPath(env)).toBe('blog');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/blog', '/']);
    expect(shiftPath(env)).toBeUndefined();
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/blog', '/']);
  });

  it('skips empty and . segments, as wsgiref does', () => {
    const env = environ({ PATH_INFO: '//a/./b' });
    expect(shiftPath(env)).toBe('a');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['/a', '/b']);
    const dot = environ({ SCRIPT_NAME: '/x', PATH_INFO: '/.' });
    expect(shiftPath(dot)).toBeUndefined();
    expect([dot.SCRIPT_NAME, dot.PATH_INFO]).toEqual(['/x', '']);
  });

  it('returns .. and takes a segment off SCRIPT_NAME, never above the root', () => {
    const env = environ({ SCRIPT_NAME: '/a', PATH_INFO: '/../../b' });
    expect(shiftPath(env)).toBe('..');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['', '/../b']);
    expect(shiftPath(env)).toBe('..');
    expect([env.SCRIPT_NAME, env.PATH_INFO]).toEqual(['', '/b']);
  });

  it('keeps SCRIPT_NAME + PATH_INFO the same path', () => {
    for (const path of ['/a/b/c', '/a/b/', '/x', '/']) {
      const env = environ({ PATH_INFO: path });
      while (shiftPath(env) !== undefined) expect(env.SCRIPT_NAME + env.PATH_INFO).toBe(path);
    }
  });
});

describe('applicationUri and requestUri', () => {
  it('use Host when there is one', () => {
    const env = environ({
      HTTP_HOST: 'shop.example:8080',
      SCRIPT_NAME: '/store',
      PATH_INFO: '/cart',
      QUERY_STRING: 'x=1',
    });
    expect(applicationUri(env)).toBe('http://shop.example:8080/store');
    expect(requestUri(env)).toBe('http://shop.example:8080/store/cart?x=1');
    expect(requestUri(env, { includeQuery: false })).toBe('http://shop.example:8080/store/cart');
  });

  it('fall back to SERVER_NAME, with the port unless it is the default', () => {
    expect(applicationUri(environ({}))).toBe('http://example.com/');
    expect(applicationUri(environ({ SERVER_PORT: '8000' }))).toBe('http://example.com:8000/');
    expect(applicationUri(environ({ 'tsgi.url_scheme': 'https', SERVER_PORT: '443' }))).toBe(
      'https://example.com/',
    );
    expect(applicationUri(environ({ 'tsgi.url_scheme': 'https', SERVER_PORT: '80' }))).toBe(
      'https://example.com:80/',
    );
    expect(applicationUri(environ({ SERVER_NAME: '::1', SERVER_PORT: '8000' }))).toBe('http://[::1]:8000/');
  });

  it('percent-encode the decoded paths back, so ? # % and spaces stay data', () => {
    const env = environ({ SCRIPT_NAME: '/my app', PATH_INFO: '/50%/why?#/café' });
    expect(requestUri(env)).toBe('http://example.com/my%20app/50%25/why%3F%23/caf%C3%A9');
  });

  it('spell a path as the router’s url() does: what RFC 3986 allows in a segment stays as is', () => {
    const path = "/a:b@c;d=e,f!$&'()*+~/[x]";
    expect(encodePath(path)).toBe("/a:b@c;d=e,f!$&'()*+~/%5Bx%5D");
    expect(requestUri(environ({ PATH_INFO: path }))).toBe(`http://example.com${encodePath(path)}`);
    // an app mounted at /shop;v=1@x links to itself the same way both ways
    const env = environ({ SCRIPT_NAME: '/shop;v=1@x', PATH_INFO: '/' });
    const r = router().get('/', () => [], { name: 'home' });
    expect(applicationUri(env)).toBe('http://example.com/shop;v=1@x');
    expect(r.url(env, 'home')).toBe('/shop;v=1@x/');
  });

  it('do not double the slash at the root', () => {
    expect(requestUri(environ({ PATH_INFO: '/a' }))).toBe('http://example.com/a');
    expect(requestUri(environ({ PATH_INFO: '' }))).toBe('http://example.com/');
  });
});

describe('rawPathInfo and rawScriptName', () => {
  it('cut the raw target where SCRIPT_NAME ends, even when the mount point holds a %2F', () => {
    const env = environ({
      SCRIPT_NAME: '/t/a/b',
      PATH_INFO: '/x/y z',
      QUERY_STRING: 'q=1',
      'tsgi.raw_uri': '/t/a%2Fb/x%2Fy%20z?q=1',
    });
    expect(rawScriptName(env)).toBe('/t/a%2Fb');
    expect(rawPathInfo(env)).toBe('/x%2Fy%20z');
  });

  it('follow a mount made by shiftPath, and an absolute-form target', () => {
    const env = environ({ PATH_INFO: '/app/a/b', 'tsgi.raw_uri': 'http://example.com/app/a%2Fb' });
    expect(rawPathInfo(env)).toBe('/app/a%2Fb');
    shiftPath(env);
    expect([rawScriptName(env), rawPathInfo(env)]).toEqual(['/app', '/a%2Fb']);
  });

  it('fall back to the decoded paths encoded again when a middleware rewrote them', () => {
    const env = environ({ PATH_INFO: '/a/b', 'tsgi.raw_uri': '/a%2Fb' });
    expect(rawPathInfo(env)).toBe('/a%2Fb');
    env.PATH_INFO = '/rewritten/c d';
    expect(rawPathInfo(env)).toBe('/rewritten/c%20d');
    expect(rawPathInfo(environ({ PATH_INFO: '', 'tsgi.raw_uri': '*' }))).toBe('');
  });
});
