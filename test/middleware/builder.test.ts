import { type App, type Middleware, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { builder } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';

const text =
  (body: string): App =>
  (environ, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'],
      ['X-Mount', `${environ.SCRIPT_NAME}|${environ.PATH_INFO}`],
    ]);
    return [body];
  };

const tag =
  (name: string): Middleware =>
  (app) =>
  (environ, startResponse) =>
    app(environ, (status, headers, error) => startResponse(status, [...headers, ['X-Layer', name]], error));

describe('builder', () => {
  it('is an app: use() layers in reading order around run()', async () => {
    const app = builder()
      .use(tag('outer'))
      .use(tag('inner'))
      .run(validate(text('hi')));
    const response = await request(validate(app));
    expect(response.text()).toBe('hi');
    // the inner layer adds its header first, the outer one last
    expect(response.headerList.filter(([name]) => name === 'X-Layer').map(([, v]) => v)).toEqual([
      'inner',
      'outer',
    ]);
  });

  it('mounts apps under prefixes, with run() for everything else', async () => {
    const app = validate(
      builder()
        .use(tag('all'))
        .mount('/api/', validate(text('api')))
        .run(validate(text('site'))),
    );
    const api = await request(app, { url: '/api/users' });
    expect(api.text()).toBe('api');
    expect(api.headers.get('X-Mount')).toBe('/api|/users');
    expect(api.headers.get('X-Layer')).toBe('all');
    const site = await request(app, { url: '/apix' });
    expect(site.text()).toBe('site');
    expect(site.headers.get('X-Mount')).toBe('|/apix');
  });

  it('answers 404 outside its mounts when nothing runs at the root', async () => {
    const app = builder().mount('/api', text('api'));
    expect((await request(validate(app), { url: '/x' })).status).toBe(404);
  });

  it('checks its arguments when given, and is fixed once built', async () => {
    expect(() => builder().use('x' as unknown as Middleware)).toThrow(/use\(\) takes a middleware/);
    expect(() => builder().mount('/a', 1 as unknown as App)).toThrow(/mount\("\/a"\) takes an app/);
    expect(() => builder().mount('a', text('a'))).toThrow(/key "a" must be a path/);
    expect(() => builder().mount('ftp://x/', text('a'))).toThrow(/ftp/);
    expect(() => builder().mount('/a', text('a')).mount('/a/', text('b'))).toThrow(/mounted twice/);
    expect(() => builder().run(text('a')).run(text('b'))).toThrow(/twice/);
    expect(() => builder().toApp()).toThrow(/nothing to run/);
    const app = builder().run(text('a'));
    await request(app);
    expect(() => app.use(tag('late'))).toThrow(/after the app was built/);
  });
});
