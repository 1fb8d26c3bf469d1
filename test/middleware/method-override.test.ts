import { type App, Request, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { methodOverride, originalMethod } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';

const method: App = async (environ, startResponse) => {
  const form = environ.CONTENT_TYPE?.startsWith('application/x-www-form-urlencoded')
    ? Object.fromEntries(await Request.of(environ).form())
    : {};
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify({ method: environ.REQUEST_METHOD, original: originalMethod(environ), form })];
};

const app = validate(methodOverride()(validate(method)));

async function send(init: Parameters<typeof request>[1]) {
  return (await request(app, init)).json<{ method: string; form: Record<string, string> }>();
}

describe('methodOverride', () => {
  it('turns a POST with a _method form field into that method, and the app still reads the form', async () => {
    const got = await send({ method: 'POST', body: new URLSearchParams({ _method: 'delete', title: 'x' }) });
    expect(got).toEqual({ method: 'DELETE', original: 'POST', form: { _method: 'delete', title: 'x' } });
  });

  it('takes the X-HTTP-Method-Override header', async () => {
    expect((await send({ method: 'POST', headers: { 'X-HTTP-Method-Override': 'PATCH' } })).method).toBe(
      'PATCH',
    );
  });

  it('refuses CONNECT, TRACE, GET and unknown methods: the request stays a POST', async () => {
    for (const target of ['CONNECT', 'TRACE', 'TRACK', 'GET', 'OPTIONS', 'PROPFIND', 'DELETE\r\nX: y', '']) {
      expect(
        (await send({ method: 'POST', headers: { 'X-HTTP-Method-Override': target.replace(/\r\n/g, ' ') } }))
          .method,
        target,
      ).toBe('POST');
      expect(
        (await send({ method: 'POST', body: new URLSearchParams({ _method: target }) })).method,
        target,
      ).toBe('POST');
    }
  });

  it('changes only POST', async () => {
    expect((await send({ method: 'GET', headers: { 'X-HTTP-Method-Override': 'DELETE' } })).method).toBe(
      'GET',
    );
    expect((await send({ method: 'PUT', headers: { 'X-HTTP-Method-Override': 'DELETE' } })).method).toBe(
      'PUT',
    );
  });

  it('leaves a body it cannot read as a form to the app', async () => {
    const got = await request(app, { method: 'POST', json: { _method: 'DELETE' } });
    expect(got.json<{ method: string }>().method).toBe('POST');
  });

  it('refuses dangerous or malformed options at build time', () => {
    expect(() => methodOverride({ methods: ['TRACE'] })).toThrow(/methods may not hold "TRACE"/);
    expect(() => methodOverride({ methods: ['CONNECT'] })).toThrow(TypeError);
    expect(() => methodOverride({ methods: ['GET'] })).toThrow(TypeError);
    expect(() => methodOverride({ header: 'Bad Header' })).toThrow(/header must be a header name/);
    expect(() => methodOverride({ field: '' })).toThrow(/field must be/);
  });
});
