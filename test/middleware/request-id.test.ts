import { type App, validate } from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { getRequestId, requestId } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';

const echoId: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [getRequestId(environ) ?? 'none'];
};
const app = validate(requestId()(validate(echoId)));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestId', () => {
  it('keeps a well-formed incoming id, on the response and for the app', async () => {
    const response = await request(app, { headers: { 'X-Request-Id': 'abc-123_x.y:z' } });
    expect(response.text()).toBe('abc-123_x.y:z');
    expect(response.headers.get('x-request-id')).toBe('abc-123_x.y:z');
  });

  it('replaces a hostile or malformed incoming id with a fresh UUID', async () => {
    for (const bad of ['a b', 'x'.repeat(1024), '"quoted"', 'a\tb', 'ünïcode', '', 'a;Set-Cookie:x']) {
      const response = await request(app, { headers: { 'X-Request-Id': bad } });
      expect(response.text(), bad).toMatch(UUID);
      expect(response.headers.get('x-request-id')).toBe(response.text());
    }
  });

  it('replaces an id with CR/LF (an environ a lax server or a middleware built)', () => {
    let header = '';
    const environ = mockEnviron({ environ: { HTTP_X_REQUEST_ID: 'abc\r\nSet-Cookie: admin=1' } });
    requestId()(echoId)(environ, (_status, headers) => {
      header = headers.find(([name]) => name === 'X-Request-Id')?.[1] ?? '';
      return () => {};
    });
    expect(header).toMatch(UUID);
    expect(getRequestId(environ)).toBe(header);
  });

  it('makes a new id for each request when none comes in (no state shared between requests)', async () => {
    const a = (await request(app)).text();
    const b = (await request(app)).text();
    expect(a).toMatch(UUID);
    expect(a).not.toBe(b);
    expect(getRequestId({} as never)).toBeUndefined();
  });

  it('can distrust incoming ids, and use another header or generator', async () => {
    const custom = validate(
      requestId({ trustIncoming: false, header: 'X-Trace', generate: () => 'fixed-1' })(echoId),
    );
    const response = await request(custom, { headers: { 'X-Trace': 'client-chosen' } });
    expect(response.text()).toBe('fixed-1');
    expect(response.headers.get('x-trace')).toBe('fixed-1');
  });

  it('sets the id on error pages too', async () => {
    const failing = validate(
      requestId()(() => {
        throw new Error('x');
      }),
    );
    const notFound = validate(
      requestId()(async () => {
        const { NotFound } = await import('@tsgi/core');
        throw new NotFound();
      }),
    );
    expect((await request(notFound)).headers.get('x-request-id')).toMatch(UUID);
    expect((await request(failing, { rethrow: false })).status).toBe(500);
  });

  it('checks its options, and a generator that makes bad ids', async () => {
    expect(() => requestId({ header: 'X Bad' })).toThrow(/header must be a header name/);
    expect(() => requestId({ generate: 'x' as never })).toThrow(/generate must be a function/);
    const bad = validate(requestId({ generate: () => 'evil\r\nX: y' })(echoId));
    await expect(request(bad)).rejects.toThrow(/generate\(\) returned/);
  });
});
