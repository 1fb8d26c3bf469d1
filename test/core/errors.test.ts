import {
  BadGateway,
  BadRequest,
  Conflict,
  ContentTooLarge,
  Forbidden,
  GatewayTimeout,
  HTTPError,
  InternalServerError,
  isHTTPError,
  MethodNotAllowed,
  NotFound,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnprocessableContent,
  UnsupportedMediaType,
} from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';

/** What a client with this Accept header gets for `error`, through the test client (as a server renders it). */
function answer(error: HTTPError, accept?: string) {
  return request(error, { headers: accept === undefined ? {} : { Accept: accept } });
}

describe('HTTPError', () => {
  it('is an Error and an app', async () => {
    const error = new NotFound('No such user');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(HTTPError);
    expect(error.name).toBe('NotFound');
    const response = await answer(error, 'application/json');
    expect(response.status).toBe(404);
    expect(response.statusText).toBe('Not Found');
    expect(response.json()).toEqual({ error: { status: 404, message: 'No such user' } });
  });

  it('405 carries Allow', () => {
    expect(new MethodNotAllowed(['GET', 'HEAD']).headers).toContainEqual(['Allow', 'GET, HEAD']);
  });

  it('rejects a status outside 4xx/5xx', () => {
    expect(() => new HTTPError(200)).toThrow(/400 to 599/);
  });

  it.each([
    [BadRequest, 400],
    [Unauthorized, 401],
    [Forbidden, 403],
    [NotFound, 404],
    [Conflict, 409],
    [ContentTooLarge, 413],
    [UnsupportedMediaType, 415],
    [UnprocessableContent, 422],
    [TooManyRequests, 429],
    [InternalServerError, 500],
    [BadGateway, 502],
    [ServiceUnavailable, 503],
    [GatewayTimeout, 504],
  ])('%o answers with its status', async (ErrorClass, status) => {
    const error = new ErrorClass();
    expect(error.status).toBe(status);
    expect(error.name).toBe(ErrorClass.name);
    expect((await answer(error)).status).toBe(status);
  });
});

describe('the error page', () => {
  it('escapes an attacker-supplied message in the HTML page', async () => {
    const response = await answer(new BadRequest('<script>alert(1)</script> & "quotes"'));
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.text()).toContain(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</p>',
    );
    expect(response.text()).not.toContain('<script>');
  });

  it('shows a 4xx message, hides a 5xx one (details leak), unless expose says otherwise', async () => {
    expect((await answer(new Conflict('The name is taken'))).text()).toContain('The name is taken');
    const hidden = await answer(new InternalServerError('db password is hunter2'));
    expect(hidden.text()).not.toContain('hunter2');
    expect(hidden.text()).toContain('<p>Internal Server Error</p>');
    const shown = await answer(new ServiceUnavailable('Down for maintenance until 14:00', { expose: true }));
    expect(shown.text()).toContain('Down for maintenance until 14:00');
    const quiet = await answer(new NotFound('/admin exists but you may not know', { expose: false }));
    expect(quiet.text()).not.toContain('/admin');
  });

  it('says Vary: Accept, since the body depends on it, and keeps the error’s own headers', async () => {
    const response = await answer(new TooManyRequests(undefined, { headers: [['Retry-After', '30']] }));
    expect(response.headers.get('vary')).toBe('Accept');
    expect(response.headers.get('retry-after')).toBe('30');
  });

  it.each([
    [undefined, 'html'],
    ['*/*', 'html'],
    ['text/html', 'html'],
    ['application/json', 'json'],
    ['text/html, application/json', 'html'],
    ['application/json, text/html', 'html'], // equal q: order does not matter (RFC 9110), HTML wins the tie
    ['text/html;q=0.5, application/json', 'json'],
    ['application/json;q=0.9, text/html', 'html'],
    ['application/json;q=0, */*', 'html'],
    ['application/json;q=0', 'html'], // nothing acceptable: the HTML page anyway
    ['application/json, text/plain, */*', 'json'], // axios: named exactly beats the wildcard
    ['application/*', 'json'],
    ['text/*;q=0.1, application/json;q=0.2', 'json'],
    ['APPLICATION/JSON ; Q=1', 'json'],
  ])('negotiates by q-value: Accept %s gets %s', async (accept, kind) => {
    const response = await answer(new NotFound(), accept);
    const type = kind === 'json' ? 'application/json' : 'text/html; charset=utf-8';
    expect(response.headers.get('content-type')).toBe(type);
  });
});

describe('isHTTPError', () => {
  it('recognises an HTTPError made by another copy of the package, where instanceof fails', async () => {
    // a second instance of the module, as when two versions of @tsgi/core are installed
    const path = '../../packages/core/src/errors.ts?second-copy';
    const copy = (await import(/* @vite-ignore */ path)) as typeof import('@tsgi/core');
    const foreign = new copy.NotFound();
    expect(foreign).not.toBeInstanceOf(HTTPError);
    expect(isHTTPError(foreign)).toBe(true);
    expect(
      (
        await request(
          () => {
            throw foreign;
          },
          { rethrow: false },
        )
      ).status,
    ).toBe(404);
  });

  it('is false for other errors and functions', () => {
    expect(isHTTPError(new Error('x'))).toBe(false);
    expect(isHTTPError(() => [])).toBe(false);
    expect(isHTTPError(Object.assign(new Error('x'), { status: 404 }))).toBe(false);
  });
});
