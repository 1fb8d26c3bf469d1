import { type App, applicationUri, type Environ, rawPathInfo, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { urlMap } from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';

/** Answers with where it is mounted and what it sees. */
const where =
  (name: string): App =>
  (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [
      JSON.stringify({
        name,
        script: environ.SCRIPT_NAME,
        path: environ.PATH_INFO,
        raw: rawPathInfo(environ),
        link: `${applicationUri(environ)}/x`,
      }),
    ];
  };

const map = validate(
  urlMap({
    '/': validate(where('site')),
    '/api': validate(where('api')),
    '/api/v2/': validate(where('v2')),
    'http://admin.example.com/': validate(where('admin')),
    'http://admin.example.com/api': validate(where('admin-api')),
    'http://ported.example.com:8080/': validate(where('ported')),
  }),
);

async function get(url: string, headers: Record<string, string> = {}) {
  return (await request(map, { url, headers })).json<Record<string, string>>();
}

describe('urlMap', () => {
  it('never matches part of a segment: /apix is not under /api', async () => {
    expect(await get('/apix')).toMatchObject({ name: 'site', script: '', path: '/apix' });
    expect(await get('/api')).toMatchObject({ name: 'api', script: '/api', path: '' });
    expect(await get('/api/')).toMatchObject({ name: 'api', script: '/api', path: '/' });
  });

  it('picks the longest prefix and moves it from PATH_INFO to SCRIPT_NAME', async () => {
    expect(await get('/api/users/7')).toMatchObject({ name: 'api', script: '/api', path: '/users/7' });
    expect(await get('/api/v2/users')).toMatchObject({ name: 'v2', script: '/api/v2', path: '/users' });
    expect(await get('/api/v2x')).toMatchObject({ name: 'api', script: '/api', path: '/v2x' });
  });

  it('keeps an encoded slash below the mount point, for the app that needs it', async () => {
    expect(await get('/api/files/a%2Fb')).toMatchObject({
      name: 'api',
      path: '/files/a/b',
      raw: '/files/a%2Fb',
    });
  });

  it('builds links under the prefix', async () => {
    expect((await get('/api/users')).link).toBe('http://localhost/api/x');
  });

  it('matches host keys before plain ones, case- and port-insensitively unless a port is given', async () => {
    expect(await get('http://ADMIN.example.com:9000/users')).toMatchObject({ name: 'admin', path: '/users' });
    expect(await get('http://admin.example.com/api/x')).toMatchObject({ name: 'admin-api', path: '/x' });
    expect(await get('http://other.example.com/api/x')).toMatchObject({ name: 'api' });
    expect(await get('http://ported.example.com:8080/')).toMatchObject({ name: 'ported' });
    expect(await get('http://ported.example.com:8081/')).toMatchObject({ name: 'site' });
  });

  it('matches an international host key against the Host browsers send (its punycode)', async () => {
    const idn = validate(
      urlMap({ 'http://bücher.example/': validate(where('books')), '/': validate(where('site')) }),
    );
    const name = async (host: string) =>
      (await request(idn, { url: '/', headers: { Host: host } })).json<Record<string, string>>().name;
    expect(await name('xn--bcher-kva.example')).toBe('books');
    expect(await name('XN--BCHER-KVA.example:8443')).toBe('books');
    expect(await name('bucher.example')).toBe('site');
  });

  it('is not fooled by a Host that only contains the mounted host', async () => {
    for (const host of [
      'admin.example.com.evil.com',
      'evil.com',
      'xadmin.example.com',
      'admin.example.com@evil.com',
    ]) {
      expect((await get('/', { Host: host })).name, host).toBe('site');
    }
  });

  it('answers 404 when nothing is mounted there', async () => {
    const response = await request(validate(urlMap({ '/api': where('api') })), { url: '/other' });
    expect(response.status).toBe(404);
  });

  it.each([
    '/api/../admin',
    '/api/..',
    '/api/./v2/x',
    '/api/%2e%2e/admin',
    '/api/.%2E',
    '/api/a%2F..%2Fb',
    '/api/x%5C..%5C..%5Cadmin',
    '/..',
  ])('answers %s with a 400 that says why: no app sees a dot segment', async (url) => {
    const response = await request(map, { url, headers: { Accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.text()).toContain('`.` or `..` segment');
  });

  it('mounts names with dots as usual (/api/.well-known, /api/...)', async () => {
    expect(await get('/api/.well-known/x')).toMatchObject({ name: 'api', path: '/.well-known/x' });
    expect(await get('/api/...')).toMatchObject({ name: 'api', path: '/...' });
  });

  it('gives each app its own environ copy', async () => {
    let seen: Environ | undefined;
    const app = urlMap({
      '/a': (environ, startResponse) => {
        seen = environ;
        environ.SCRIPT_NAME = '/changed';
        startResponse('204 No Content', []);
        return [];
      },
    });
    const outer: App = (environ, startResponse) => {
      const body = app(environ, startResponse);
      expect(environ.SCRIPT_NAME).toBe('');
      return body;
    };
    expect((await request(validate(outer), { url: '/a/b' })).status).toBe(204);
    expect(seen?.PATH_INFO).toBe('/b');
  });

  it('closes the mounted body exactly once', async () => {
    const tracked = trackClose(['x', 'y']);
    const app = urlMap({
      '/a': (_e, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return tracked.body;
      },
    });
    expect((await request(validate(app), { url: '/a' })).text()).toBe('xy');
    expect(tracked.closeCount).toBe(1);
  });

  it('refuses bad keys and values at build time, naming them', () => {
    expect(() => urlMap({ api: where('x') })).toThrow(/key "api"/);
    expect(() => urlMap({ 'ftp://x/': where('x') })).toThrow(/ftp:\/\/x\//);
    expect(() => urlMap({ 'http://a<b/': where('x') })).toThrow(/not hold a valid host name/);
    expect(() => urlMap({ '/a': 'nope' as unknown as App })).toThrow(/"\/a" is a string, not an app/);
    expect(() => urlMap({})).toThrow(/no apps/);
  });
});

describe('urlMap split (property)', () => {
  it('answers every path with a mounted app, a 404 or the dot-segment 400, never anything else', async () => {
    const segment = fc.constantFrom(
      '.',
      '..',
      '...',
      'api',
      'v2',
      '.a',
      '%2e',
      '%2E%2e',
      'a%2F..',
      '%2F',
      '',
    );
    const path = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    await fc.assert(
      fc.asyncProperty(path, async (url) => {
        const response = await request(map, { url });
        const decoded = decodeURIComponent(url);
        const dotted = decoded.split('/').some((part) => part === '.' || part === '..');
        expect(response.status).toBe(dotted ? 400 : 200);
        if (!dotted) expect(response.json<{ path: string }>().path.split('/')).not.toContain('..');
      }),
      { numRuns: 300 },
    );
  });

  it('keeps SCRIPT_NAME + PATH_INFO whole and cuts only at a segment boundary', async () => {
    const segment = fc.stringMatching(/^[a-z]{1,3}$/);
    const path = fc.array(segment, { maxLength: 4 }).map((parts) => parts.map((p) => `/${p}`).join(''));
    await fc.assert(
      fc.asyncProperty(path, path, fc.boolean(), async (prefix, rest, slash) => {
        if (prefix === '') return;
        const seen: string[] = [];
        const app = urlMap({
          [prefix]: (environ, startResponse) => {
            seen.push(environ.SCRIPT_NAME, environ.PATH_INFO);
            startResponse('204 No Content', []);
            return [];
          },
        });
        const target = `${prefix}${rest}${slash ? '/' : ''}`;
        await request(validate(app), { url: target });
        expect(seen).toEqual([prefix, `${rest}${slash ? '/' : ''}`]);
        const near = await request(validate(app), { url: `${prefix}x${rest}` });
        expect(near.status).toBe(404);
      }),
      { numRuns: 100 },
    );
  });
});
