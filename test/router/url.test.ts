import { type Body, hasDotSegment } from '@tsgi/core';
import { routeParams, router } from '@tsgi/router';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, echo, seen } from './helpers.js';

describe('url()', () => {
  const r = router()
    .get('/users/:id', echo('user'), { name: 'user' })
    .get('/files/*path', echo('files'), { name: 'files' })
    .get('/posts{/:year{/:month}}', echo('archive'), { name: 'archive' })
    .get('/café/:name', echo('cafe'), { name: 'cafe' })
    .get('/', echo('home'), { name: 'home' });

  it('builds the path of a named route, accepting numbers', () => {
    expect(r.unmountedPath('user', { id: 42 })).toBe('/users/42');
    expect(r.unmountedPath('home')).toBe('/');
  });

  it('percent-encodes parameters, one segment each', () => {
    expect(r.unmountedPath('user', { id: 'a/b c?d#e%f' })).toBe('/users/a%2Fb%20c%3Fd%23e%25f');
    expect(r.unmountedPath('user', { id: 'Jürgen' })).toBe('/users/J%C3%BCrgen');
  });

  it('joins wildcard segments with slashes, each encoded', () => {
    expect(r.unmountedPath('files', { path: ['a b', 'c/d', 'e.txt'] })).toBe('/files/a%20b/c%2Fd/e.txt');
  });

  it('encodes the literal text of the pattern', () => {
    expect(r.unmountedPath('cafe', { name: 'x' })).toBe('/caf%C3%A9/x');
  });

  it('leaves out optional groups without their parameters', () => {
    expect(r.unmountedPath('archive')).toBe('/posts');
    expect(r.unmountedPath('archive', { year: 2024 })).toBe('/posts/2024');
    expect(r.unmountedPath('archive', { year: 2024, month: '05' })).toBe('/posts/2024/05');
  });

  it('adds an encoded query string and fragment', () => {
    expect(
      r.unmountedPath(
        'user',
        { id: 1 },
        { query: { q: 'a b&c', tag: ['x', 'y'], page: 2, skip: undefined }, hash: 'top x' },
      ),
    ).toBe('/users/1?q=a+b%26c&tag=x&tag=y&page=2#top%20x');
    expect(r.unmountedPath('home', {}, { query: new URLSearchParams('a=1') })).toBe('/?a=1');
    expect(r.unmountedPath('home', {}, { query: {} })).toBe('/');
  });

  it('prefixes SCRIPT_NAME from the environ, encoded', () => {
    expect(r.url({ SCRIPT_NAME: '/my app' }, 'user', { id: 1 })).toBe('/my%20app/users/1');
    expect(r.url({ SCRIPT_NAME: '/blog' }, 'home')).toBe('/blog/');
    expect(r.url({ SCRIPT_NAME: '' }, 'user', { id: 1 })).toBe('/users/1');
  });

  it('names an unknown route in its error, with the known ones', () => {
    // @ts-expect-error: the types refuse it too
    expect(() => r.unmountedPath('nope')).toThrow(/No route named "nope" \(known: "user", "files"/);
  });

  it('names a missing parameter', () => {
    // @ts-expect-error: the types refuse it too
    expect(() => r.unmountedPath('user')).toThrow(/route "user" \(\/users\/:id\).*Missing parameters: id/);
  });

  it('refuses values no URL can carry back', () => {
    expect(() => r.unmountedPath('user', { id: '' })).toThrow(/"id" is empty/);
    expect(() => r.unmountedPath('user', { id: '..' })).toThrow(/dot-segment/);
    expect(() => r.unmountedPath('files', { path: ['a', '.'] })).toThrow(/dot-segment/);
    // an encoded slash would decode into one (the router answers such a path with a 400)
    expect(() => r.unmountedPath('user', { id: 'a/../b' })).toThrow(/dot-segment between slashes/);
    expect(() => r.unmountedPath('files', { path: ['./x'] })).toThrow(/dot-segment between slashes/);
    expect(() => r.unmountedPath('user', { id: 'a\\..' })).toThrow(/dot-segment between slashes/);
    expect(() => r.unmountedPath('user', { id: 'a\0b' })).toThrow(/NUL/);
    expect(() => r.unmountedPath('user', { id: '\uD800' })).toThrow(/well-formed Unicode/);
    // @ts-expect-error: the types refuse it too
    expect(() => r.unmountedPath('user', { id: ['a'] })).toThrow(/one segment/);
    // @ts-expect-error: the types refuse it too
    expect(() => r.unmountedPath('files', { path: 'a/b' })).toThrow(/array of segments/);
    expect(() => r.unmountedPath('files', { path: [] })).toThrow(/"path" is empty/);
    const site = router().mount('/t/:tenant', r, { name: 't' });
    expect(() => site.unmountedPath('t.user', { tenant: 'a/', id: 1 })).toThrow(
      /mount point cannot end with "\/"/,
    );
  });
});

// A segment: anything but the two dot-segments (also between slashes: `a/..`, which the
// router refuses once PATH_INFO decodes it) and NUL (which a server refuses in a path),
// drawn often from the characters that URLs treat specially.
const tricky = fc.constantFrom(
  '/',
  '%',
  ' ',
  '?',
  '#',
  '+',
  '&',
  '.',
  ';',
  '%2F',
  '%25',
  '\\',
  'é',
  '😀',
  'a',
);
const segment = fc
  .oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: tricky, minLength: 1 }))
  .filter((text) => !hasDotSegment(`/${text}`) && !text.includes('\0'));
// A mount point cannot end with `/`, so neither can the last parameter of a mount prefix.
const mountSegment = segment.filter((text) => !text.endsWith('/'));

describe('url() then matching gives back the parameters (property)', () => {
  const blog = router().get('/posts/:slug/*rest', echo('post'), { name: 'post' });
  const r = router()
    .get('/users/:id', echo('user'), { name: 'user' })
    .get('/a/:x/b/:y', echo('pair'), { name: 'pair' })
    .get('/files/*path', echo('files'), { name: 'files' })
    .mount('/t/:tenant', blog, { name: 'tenant' });

  it('for a parameter', async () => {
    await fc.assert(
      fc.asyncProperty(segment, async (id) => {
        expect((await seen(r, 'GET', r.unmountedPath('user', { id }))).params).toEqual({ id });
      }),
    );
  });

  it('for two parameters', async () => {
    await fc.assert(
      fc.asyncProperty(segment, segment, async (x, y) => {
        expect((await seen(r, 'GET', r.unmountedPath('pair', { x, y }))).params).toEqual({ x, y });
      }),
    );
  });

  it('for a wildcard, empty segments included', async () => {
    const path = fc
      .array(fc.oneof(segment, fc.constant('')), { minLength: 1, maxLength: 6 })
      .filter((segments) => segments.join('') !== '');
    await fc.assert(
      fc.asyncProperty(path, async (segments) => {
        expect((await seen(r, 'GET', r.unmountedPath('files', { path: segments }))).params).toEqual({
          path: segments,
        });
      }),
    );
  });

  it('through a mount, with a query string', async () => {
    await fc.assert(
      fc.asyncProperty(
        mountSegment,
        segment,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        async (tenant, slug, rest) => {
          const url = r.unmountedPath('tenant.post', { tenant, slug, rest }, { query: { q: slug } });
          const environ = await seen(r, 'GET', url);
          expect(environ.params).toEqual({ tenant, slug, rest });
          expect(environ.scriptName).toBe(`/t/${tenant}`);
        },
      ),
    );
  });

  it('when the mounted app builds its own links from the environ', async () => {
    const blog = router()
      .get('/posts/:slug/*rest', echo('post'), { name: 'post' })
      .get('/link-to/:slug', (environ, startResponse): Body => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        const slug = routeParams(environ).slug as string;
        return [blog.url(environ, 'post', { slug, rest: ['y'] })];
      });
    const site = router().mount('/t/:tenant', blog, { name: 'tenant' });
    await fc.assert(
      fc.asyncProperty(mountSegment, segment, async (tenant, slug) => {
        const link = (
          await call(site, 'GET', `/t/${encodeURIComponent(tenant)}/link-to/${encodeURIComponent(slug)}`)
        ).body;
        expect((await seen(site, 'GET', link)).params).toEqual({ tenant, slug, rest: ['y'] });
      }),
    );
  });
});
