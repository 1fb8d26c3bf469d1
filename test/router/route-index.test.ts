import { type App, NotFound } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { type Router, router } from '@tsgi/router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, echo, seen } from './helpers.js';

/** A table of `size` routes of the usual shapes: static, one parameter, nested under a shared prefix. */
function table(size: number): Router {
  const r = router();
  for (let i = 0; i < size; i++) {
    if (i % 3 === 0) r.get(`/static${i}/list`, echo(`static${i}`));
    else if (i % 3 === 1) r.get(`/res${i}/:id`, echo(`res${i}`));
    else r.get(`/api/v1/res${i}/:id/items/:item`, echo(`api${i}`));
  }
  return r;
}

/** How many regexps run while `app` dispatches `target`. */
function regexpRuns(app: App, target: string): number {
  const environ = mockEnviron({ method: 'GET', url: target });
  const exec = vi.spyOn(RegExp.prototype, 'exec'); // `test` goes through `exec` too
  try {
    app(environ, () => () => {});
    return exec.mock.calls.length;
  } finally {
    exec.mockRestore();
  }
}

describe('the route index', () => {
  afterEach(() => vi.restoreAllMocks());

  it('dispatches every route of a 1,000-route table correctly', async () => {
    const r = table(1000);
    expect((await seen(r, 'GET', '/static999/list')).name).toBe('static999');
    expect(await seen(r, 'GET', '/res997/x')).toMatchObject({ name: 'res997', params: { id: 'x' } });
    expect(await seen(r, 'GET', '/api/v1/res998/7/items/9')).toMatchObject({
      name: 'api998',
      params: { id: '7', item: '9' },
    });
    await expect(call(r, 'GET', '/res997/x/y')).rejects.toBeInstanceOf(NotFound);
    await expect(call(r, 'GET', '/res1000/x')).rejects.toBeInstanceOf(NotFound);
  });

  it('runs no more regexps for the last of 1,000 routes than for the last of 10', () => {
    const small = table(10);
    const large = table(1000);
    for (const [ten, thousand] of [
      ['/static9/list', '/static999/list'],
      ['/res7/x', '/res997/x'],
      ['/api/v1/res8/1/items/2', '/api/v1/res998/1/items/2'],
    ] as const) {
      const runs = regexpRuns(large, thousand);
      expect(runs).toBeLessThanOrEqual(1);
      expect(runs).toBe(regexpRuns(small, ten));
    }
  });

  it('scans, in order, only routes that start with a parameter (nothing literal to index them by)', () => {
    const r = router();
    // `.:ext` is not a whole segment, so each of these routes is tried with its regexp
    for (let i = 0; i < 100; i++) r.get(`/:lang/page${i}.:ext`, echo(`page${i}`));
    expect(regexpRuns(r, '/de/page99.html')).toBe(100);
    expect(regexpRuns(r, '/de/page0.html')).toBe(1);
  });

  it('matches patterns of whole segments without any regexp', async () => {
    const r = table(30).get('/:lang/about', echo('about'));
    expect(regexpRuns(r, '/api/v1/res29/7/items/9')).toBe(0);
    expect(regexpRuns(r, '/de/about')).toBe(0);
    expect(await seen(r, 'GET', '/de/about')).toMatchObject({ name: 'about', params: { lang: 'de' } });
  });

  it('runs no regexp at all for a route without parameters', () => {
    expect(regexpRuns(table(1000), '/static999/list')).toBe(0);
  });

  it('tries routes that start with a parameter after the more specific ones', async () => {
    const r = table(30).get('/:lang/about', echo('about'));
    expect(await seen(r, 'GET', '/de/about')).toMatchObject({ name: 'about', params: { lang: 'de' } });
    expect((await seen(r, 'GET', '/res4/about')).name).toBe('res4');
  });
});
