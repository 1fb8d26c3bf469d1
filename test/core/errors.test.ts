import { HTTPError, MethodNotAllowed, NotFound } from '@tsgi/core';
import { describe, expect, it } from 'vitest';

describe('HTTPError', () => {
  it('is an Error and an app', () => {
    const error = new NotFound('No such user');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(HTTPError);
    expect(error.name).toBe('NotFound');
    let status = '';
    const body = error({ HTTP_ACCEPT: 'application/json' } as never, (s) => {
      status = s;
      return () => {};
    });
    expect(status).toBe('404 Not Found');
    expect(JSON.parse(String((body as string[])[0]))).toEqual({
      error: { status: 404, message: 'No such user' },
    });
  });

  it('405 carries Allow', () => {
    expect(new MethodNotAllowed(['GET', 'HEAD']).headers).toContainEqual(['Allow', 'GET, HEAD']);
  });

  it('rejects a status outside 4xx/5xx', () => {
    expect(() => new HTTPError(200)).toThrow(/400 to 599/);
  });
});
