// `.` and `..` segments never reach a route or a mount: a mounted app would see PATH_INFO
// climb above its prefix (`/api/../admin` → `/../admin`), a handler a `..` parameter.
import { type App, BadRequest, hasDotSegment, isHTTPError, type ServerHandle, serve } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { router } from '@tsgi/router';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw.js';
import { call, echo, seen } from './helpers.js';

/** Counts the calls of every app, so a test can say none was reached. */
function counted(): { app: (name: string) => App; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    app: (name) => {
      const inner = echo(name);
      return (environ, startResponse) => {
        calls.push(`${name} ${environ.PATH_INFO}`);
        return inner(environ, startResponse);
      };
    },
  };
}

function site() {
  const { app, calls } = counted();
  const r = router()
    .get('/files/:name', app('file'))
    .get('/tree/*path', app('tree'))
    .get('/admin', app('admin'))
    .mount('/api', app('api'));
  return { r, calls };
}

describe('dot segments', () => {
  it.each([
    '/api/../admin',
    '/api/./x',
    '/api/..',
    '/api/.',
    '/files/..',
    '/files/.',
    '/..',
    '/.',
    '/tree/a/../../admin',
    // decoded by the server into real dot segments
    '/api/%2e%2e/admin',
    '/api/.%2E/admin',
    '/files/%2E',
    // an encoded slash would put `..` inside one parameter: name `a/../b`
    '/files/a%2F..%2Fb',
    '/files/..%2Fadmin',
    // WHATWG URL (fetch, new URL) takes `\` for `/`: a handler fetching /files/${name} would climb
    '/files/..%5Cadmin',
    '/api/x%5C..%5C..%5Cadmin',
    '/files/.%5C',
  ])('refuses %s with a 400 that says why, reaching no app', async (target) => {
    const { r, calls } = site();
    await expect(call(r, 'GET', target)).rejects.toBeInstanceOf(BadRequest);
    const reply = await call(r, 'GET', target, { render: true, headers: [['Accept', 'application/json']] });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('`.` or `..` segment');
    expect(calls).toEqual([]);
  });

  it('refuses it for every method, before the automatic OPTIONS', async () => {
    const { r } = site();
    for (const method of ['POST', 'DELETE', 'OPTIONS', 'HEAD']) {
      await expect(call(r, method, '/api/../admin')).rejects.toBeInstanceOf(BadRequest);
    }
  });

  it.each([
    ['/files/.well-known', { name: '.well-known' }],
    ['/files/.hidden', { name: '.hidden' }],
    ['/files/...', { name: '...' }],
    ['/files/a..b', { name: 'a..b' }],
    ['/files/..a', { name: '..a' }],
    ['/files/%2e%2e%2e', { name: '...' }],
  ])('routes %s: a name with dots is not a dot segment', async (target, params) => {
    const { r } = site();
    expect((await seen(r, 'GET', target)).params).toEqual(params);
  });

  it('mounts /api/.well-known/x as usual', async () => {
    const { r } = site();
    expect(await seen(r, 'GET', '/api/.well-known/x')).toMatchObject({
      name: 'api',
      pathInfo: '/.well-known/x',
    });
  });

  it('passes a backslash that makes no dot segment (`a\\b`, `..x\\`, `\\.well-known`)', async () => {
    const { r } = site();
    expect(await seen(r, 'GET', '/files/a%5Cb')).toMatchObject({ name: 'file', params: { name: 'a\\b' } });
    expect(await seen(r, 'GET', '/api/..x%5C%5C.well-known')).toMatchObject({
      name: 'api',
      pathInfo: '/..x\\\\.well-known',
    });
  });

  it('refuses it in a router mounted by other means too (its own PATH_INFO)', async () => {
    const { r, calls } = site();
    const outer = router().mount('/v1', r);
    await expect(call(outer, 'GET', '/v1/api/../admin')).rejects.toBeInstanceOf(BadRequest);
    expect(calls).toEqual([]);
  });
});

describe('dot segments over HTTP', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await serve(site().r, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  it('node passes /api/../admin through as sent; the router answers 400', async () => {
    const response = await rawRequest(server.port, 'GET /api/../admin HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response.status).toBe(400);
    const encoded = await rawRequest(server.port, 'GET /api/%2e%2e/admin HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(encoded.status).toBe(400);
  });
});

describe('dot segments (property)', () => {
  const segment = fc.oneof(
    fc.constantFrom('.', '..', '...', '.a', 'a.', 'a', 'api', 'files', 'tree', '%2e', '%2E%2e', '.%2e'),
    fc.constantFrom('%2F', 'a%2F..', '..%2Fa', '%2F.', '', '%25', '%2e%2F%2e'),
    fc.stringMatching(/^[a.%2eEF/]{0,4}$/),
  );
  const paths = fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`);

  it('throws nothing but the documented errors, and 400 exactly for a decoded dot segment', async () => {
    const { r, calls } = site();
    await fc.assert(
      fc.asyncProperty(paths, async (target) => {
        calls.length = 0;
        const response = await request(r, { url: target });
        let decoded: string | undefined;
        try {
          decoded = decodeURIComponent(target);
        } catch {
          // not UTF-8: the server's own 400, before the router
        }
        if (decoded === undefined || response.status === 400) {
          expect(response.status).toBe(400);
          if (decoded !== undefined) expect(hasDotSegment(decoded)).toBe(true);
          expect(calls).toEqual([]);
          return;
        }
        if (response.error !== undefined) expect(isHTTPError(response.error)).toBe(true);
        expect([200, 404, 405]).toContain(response.status);
        expect(hasDotSegment(decoded)).toBe(false);
        // what an app was given has no dot segment either, params included
        for (const call of calls) expect(hasDotSegment(call.slice(call.indexOf(' ') + 1))).toBe(false);
        if (response.status === 200) {
          const { params } = response.json<{ params: Record<string, string | string[]> }>();
          for (const value of Object.values(params).flat()) expect(['.', '..']).not.toContain(value);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('hasDotSegment finds exactly the segments a split at `/` and `\\` finds', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[./a\\]{0,3}$/), { maxLength: 6 }), (parts) => {
        const path = `/${parts.join('/')}`;
        const split = path.split(/[\\/]/).some((part) => part === '.' || part === '..');
        expect(hasDotSegment(path)).toBe(split);
      }),
      { numRuns: 2000 },
    );
  });
});
