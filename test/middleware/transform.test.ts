import { type App, type Chunk, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { transform } from '@tsgi/middleware/transform';
import { describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';

const upper = transform({
  match: (response) => response.getHeader('Content-Type')?.startsWith('text/plain') === true,
  transform: (response) => {
    response.setHeader('X-Shouted', 'yes');
    return async function* (chunks) {
      for await (const chunk of chunks) yield String(chunk).toUpperCase();
    };
  },
});

const text =
  (
    chunks: () => Iterable<Chunk> | AsyncIterable<Chunk>,
    headers: [string, string][] = [],
    status = '200 OK',
  ): App =>
  (_environ, startResponse) => {
    startResponse(status, [['Content-Type', 'text/plain'], ...headers]);
    return chunks();
  };

describe('transform()', () => {
  it('streams the chunks through, may set headers, drops Content-Length, weakens a strong ETag', async () => {
    const app = validate(
      upper(
        validate(
          text(
            async function* () {
              yield 'ab';
              yield 'cd';
            },
            [
              ['Content-Length', '4'],
              ['ETag', '"x"'],
            ],
          ),
        ),
      ),
    );
    const response = await request(app);
    expect(response.text()).toBe('ABCD');
    expect(response.headers.get('X-Shouted')).toBe('yes');
    expect(response.headers.get('Content-Length')).toBeNull();
    expect(response.headers.get('ETag')).toBe('W/"x"');
  });

  it('leaves alone: no match, HEAD, 204, 304, Cache-Control: no-transform', async () => {
    expect(
      (await request(upper(text(() => ['hi'], [['Cache-Control', 'max-age=1, no-transform']])))).text(),
    ).toBe('hi');
    const html: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/html']]);
      return ['hi'];
    };
    expect((await request(upper(html))).text()).toBe('hi');
    const head = await request(validate(upper(validate(text(() => ['hi'])))), { method: 'HEAD' });
    expect(head.headers.get('X-Shouted')).toBeNull();
    for (const status of ['204 No Content', '304 Not Modified']) {
      const bare: App = (_e, startResponse) => {
        startResponse(status, []);
        return [];
      };
      expect((await request(validate(upper(validate(bare))))).headers.get('X-Shouted')).toBeNull();
    }
  });

  it('closes the app body once: at the end, and when the transform throws', async () => {
    const finished = trackClose(['a', 'b']);
    await request(upper(text(() => finished.body)));
    expect(finished.closeCount).toBe(1);
    const failing = trackClose(['a', 'b']);
    const broken = transform({
      transform: () =>
        async function* (chunks) {
          for await (const _ of chunks) throw new Error('transform broke');
          yield '';
        },
    });
    const response = await request(broken(text(() => failing.body)), { rethrow: false });
    expect(response.status).toBe(500); // it failed before any byte went out
    expect(failing.closeCount).toBe(1);
  });

  it('names the bad option', () => {
    expect(() => transform({} as never)).toThrow(/transform/);
    expect(() => transform({ transform: () => undefined, match: 1 as never })).toThrow(/match/);
  });
});
