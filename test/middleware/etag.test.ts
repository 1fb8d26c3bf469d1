import { type App, type Body, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { etag, head } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';

const answer =
  (body: () => Body, headers: Array<[string, string]> = []): App =>
  (_e, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain'], ...headers]);
    return body();
  };

describe('etag', () => {
  it('tags a body with a weak ETag that depends on its bytes only', async () => {
    const a = await request(validate(etag()(validate(answer(() => ['hello ', 'world'])))));
    const b = await request(validate(etag()(answer(() => ['hello world']))));
    const c = await request(validate(etag()(answer(() => ['hello there']))));
    expect(a.headers.get('etag')).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(a.headers.get('etag')).toBe(b.headers.get('etag'));
    expect(c.headers.get('etag')).not.toBe(a.headers.get('etag'));
    expect(a.text()).toBe('hello world');
  });

  it('reads a streaming body whole under the validator (buffering by design) and closes it once', async () => {
    const tracked = trackClose(
      (async function* () {
        yield 'a';
        yield 'b';
      })(),
    );
    const response = await request(validate(etag()(validate(answer(() => tracked.body)))));
    expect(response.headers.get('etag')).toMatch(/^W\//);
    expect(response.text()).toBe('ab');
    expect(tracked.closeCount).toBe(1);
  });

  it('lets a body over the cap pass untagged and whole', async () => {
    const big = 'x'.repeat(2000);
    const tracked = trackClose(
      (function* () {
        for (let i = 0; i < 5; i++) yield big;
      })(),
    );
    const response = await request(validate(etag({ max: 4096 })(validate(answer(() => tracked.body)))));
    expect(response.headers.get('etag')).toBeNull();
    expect(response.text()).toBe(big.repeat(5));
    expect(tracked.closeCount).toBe(1);
  });

  it('keeps an ETag the app set, and skips non-200, no-store and unsafe methods', async () => {
    const own = await request(validate(etag()(answer(() => ['x'], [['ETag', '"v1"']]))));
    expect(own.headers.get('etag')).toBe('"v1"');
    const noStore = await request(validate(etag()(answer(() => ['x'], [['Cache-Control', 'no-store']]))));
    expect(noStore.headers.get('etag')).toBeNull();
    const post = await request(validate(etag()(answer(() => ['x']))), { method: 'POST' });
    expect(post.headers.get('etag')).toBeNull();
  });

  it('closes the body once when it fails while being read', async () => {
    let closed = 0;
    const failing: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign(
        (function* () {
          yield 'a';
          throw new Error('disk gone');
        })(),
        { close: () => void closed++ },
      );
    };
    const response = await request(validate(etag()(validate(failing))), { rethrow: false });
    expect(response.status).toBe(500);
    expect(closed).toBe(1);
  });

  it('does not tag HEAD (its body may be empty), but head() outside tags it as GET', async () => {
    const headAware: App = (environ, startResponse) => {
      startResponse('200 OK', [
        ['Content-Type', 'text/plain'],
        ['Content-Length', '5'],
      ]);
      return environ.REQUEST_METHOD === 'HEAD' ? [] : ['hello'];
    };
    const get = await request(validate(etag()(headAware)));
    expect((await request(validate(etag()(headAware)), { method: 'HEAD' })).headers.get('etag')).toBeNull();
    const viaHead = await request(validate(head()(etag()(headAware))), { method: 'HEAD' });
    expect(viaHead.headers.get('etag')).toBe(get.headers.get('etag'));
  });

  it('checks max', () => {
    expect(() => etag({ max: -1 })).toThrow(/max must be a non-negative integer/);
    expect(() => etag({ max: Number.NaN })).toThrow(/max/);
  });
});
