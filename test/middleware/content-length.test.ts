import { type App, type Body, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { contentLength } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';

const answer =
  (
    status: string,
    body: () => Body,
    headers: Array<[string, string]> = [['Content-Type', 'text/plain']],
  ): App =>
  (_e, startResponse) => {
    startResponse(status, headers);
    return body();
  };

/** Calls a middleware-wrapped app directly, to see the headers it passes on. */
function headersOf(app: App): Array<[string, string]> {
  let seen: Array<[string, string]> = [];
  app({} as never, (_status, headers) => {
    seen = headers;
    return () => {};
  });
  return seen;
}

describe('contentLength', () => {
  it('adds the byte length of an array body (UTF-8 for strings)', async () => {
    const response = await request(
      validate(contentLength()(validate(answer('200 OK', () => ['héllo', new Uint8Array(3)])))),
    );
    expect(response.headers.get('content-length')).toBe('9');
    expect(headersOf(contentLength()(answer('200 OK', () => ['héllo'])))).toContainEqual([
      'Content-Length',
      '6',
    ]);
  });

  it('keeps the app’s own Content-Length, and skips streams and bodyless statuses', () => {
    const own = headersOf(contentLength()(answer('200 OK', () => ['x'], [['Content-Length', '1']])));
    expect(own.filter(([name]) => name.toLowerCase() === 'content-length')).toHaveLength(1);
    const stream = headersOf(
      contentLength()(
        answer('200 OK', () =>
          (function* () {
            yield 'x';
          })(),
        ),
      ),
    );
    expect(stream.some(([name]) => name === 'Content-Length')).toBe(false);
    expect(headersOf(contentLength()(answer('204 No Content', () => [], [])))).toEqual([]);
  });

  it('keeps a sync array body the same array', () => {
    const body = ['x'];
    expect(contentLength()(answer('200 OK', () => body))({} as never, () => () => {})).toBe(body);
  });
});
