import { NotFound } from '@tsgi/core';
import { router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { call, echo } from './helpers.js';

describe('trailing slashes', () => {
  it('are strict by default: the other spelling is a 404', async () => {
    const r = router().get('/users', echo('users')).get('/docs/', echo('docs'));
    await expect(call(r, 'GET', '/users/')).rejects.toBeInstanceOf(NotFound);
    await expect(call(r, 'GET', '/docs')).rejects.toBeInstanceOf(NotFound);
  });

  describe("with trailingSlash: 'redirect'", () => {
    const r = router({ trailingSlash: 'redirect' })
      .get('/users', echo('users'))
      .get('/docs/', echo('docs'))
      .post('/items/:id', echo('item'))
      .get('/', echo('home'));

    it('answers 308 to the spelling that matches, keeping the query string', async () => {
      const reply = await call(r, 'GET', '/users/?page=2&q=a%20b');
      expect(reply.status).toBe(308);
      expect(reply.header('Location')).toBe('/users?page=2&q=a%20b');
      const added = await call(r, 'GET', '/docs');
      expect([added.status, added.header('Location')]).toEqual([308, '/docs/']);
    });

    it('redirects other methods too (308 keeps method and body)', async () => {
      const reply = await call(r, 'POST', '/items/5/');
      expect([reply.status, reply.header('Location')]).toEqual([308, '/items/5']);
    });

    it('still answers the canonical spelling directly', async () => {
      expect((await call(r, 'GET', '/users')).status).toBe(200);
    });

    it('is a 404 when neither spelling matches', async () => {
      await expect(call(r, 'GET', '/nothing/')).rejects.toBeInstanceOf(NotFound);
    });

    it('includes SCRIPT_NAME in the Location of a mounted router', async () => {
      const site = router().mount('/app', r);
      const reply = await call(site, 'GET', '/app/users/');
      expect(reply.header('Location')).toBe('/app/users');
    });

    it('keeps a %2F encoded in the Location', async () => {
      const files = router({ trailingSlash: 'redirect' }).get('/f/:name', echo('file'));
      const reply = await call(files, 'GET', '/f/a%2Fb%20c/');
      expect(reply.header('Location')).toBe('/f/a%2Fb%20c');
    });

    it('never redirects to another host (//evil.example)', async () => {
      const open = router({ trailingSlash: 'redirect' }).get('/*page.html', echo('page'));
      // `//evil.example/x.html` matches, so its other spelling would be a redirect there
      expect((await call(open, 'GET', '//evil.example/x.html')).status).toBe(200);
      await expect(call(open, 'GET', '//evil.example/x.html/')).rejects.toBeInstanceOf(NotFound);
      // the same route still redirects paths that stay on this host
      expect((await call(open, 'GET', '/a/b.html/')).header('Location')).toBe('/a/b.html');
    });
  });

  it('rejects an unknown policy', () => {
    // @ts-expect-error: not a policy
    expect(() => router({ trailingSlash: 'ignore' })).toThrow(/'strict' or 'redirect'/);
  });
});
