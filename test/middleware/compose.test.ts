import { type App, type Middleware, Unauthorized } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compose } from '@tsgi/middleware';
import { router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';

const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

/** Adds its name to an `X-Trail` response header, to show the order layers run in. */
const trail =
  (name: string): Middleware =>
  (app) =>
  (environ, startResponse) => {
    environ['test.trail'] = `${(environ['test.trail'] as string | undefined) ?? ''}${name}>`;
    return app(environ, (status, headers, error) =>
      startResponse(status, [...headers, ['X-Trail', `${name}:${environ['test.trail']}`]], error),
    );
  };

describe('compose', () => {
  it('runs the first middleware outermost: request in first, response out last', async () => {
    const response = await request(compose(trail('a'), trail('b'), trail('c'))(hello));
    expect(response.headers.get('X-Trail')).toBe('c:a>b>c>, b:a>b>c>, a:a>b>c>');
    expect(await response.text()).toBe('hello');
  });

  it('with no middleware returns the app itself', () => {
    expect(compose()(hello)).toBe(hello);
  });

  it('makes route-level middleware a one-liner', async () => {
    const auth: Middleware = (app) => (environ, startResponse) => {
      if (environ.HTTP_AUTHORIZATION !== 'Bearer let-me-in') {
        throw new Unauthorized('No entry', { headers: [['WWW-Authenticate', 'Bearer']] });
      }
      return app(environ, startResponse);
    };
    const r = router().get('/', hello).get('/admin', compose(auth)(hello));
    expect((await request(r, { url: '/' })).status).toBe(200);
    const refused = await request(r, { url: '/admin' });
    expect([refused.status, refused.headers.get('WWW-Authenticate')]).toEqual([401, 'Bearer']);
    const allowed = await request(r, { url: '/admin', headers: { Authorization: 'Bearer let-me-in' } });
    expect(allowed.status).toBe(200);
  });

  it('names the argument that is not a middleware', () => {
    expect(() => compose(trail('a'), 'nope' as unknown as Middleware)).toThrow(/argument 1 is a string/);
    expect(() => compose(() => undefined as unknown as App)(hello)).toThrow(
      /middleware 0 returned a undefined/,
    );
  });
});
