import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compose, conditionalGet, etag } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const LAST_MODIFIED = 'Tue, 01 Dec 2026 09:00:00 GMT';
let tracked = trackClose(['x']);
const page: App = (_e, startResponse) => {
  startResponse('200 OK', [
    ['Content-Type', 'text/html'],
    ['Content-Length', '12'],
    ['ETag', '"v1"'],
    ['Last-Modified', LAST_MODIFIED],
    ['Cache-Control', 'max-age=60'],
    ['Vary', 'Accept'],
    ['Set-Cookie', 'seen=1'],
  ]);
  tracked = trackClose(['<p>page</p>\n']);
  return tracked.body;
};
const app = validate(conditionalGet()(validate(page)));

describe('conditionalGet', () => {
  it('answers 304 without a body when If-None-Match matches (weakly), keeping the headers RFC 9110 keeps', async () => {
    for (const tags of ['"v1"', 'W/"v1"', '"v0", "v1"', '*']) {
      const response = await request(app, { headers: { 'If-None-Match': tags } });
      expect(response.status, tags).toBe(304);
      expect(response.text()).toBe('');
      expect(tracked.closeCount).toBe(1);
      expect(response.headers.get('etag')).toBe('"v1"');
      expect(response.headers.get('cache-control')).toBe('max-age=60');
      expect(response.headers.get('vary')).toBe('Accept');
      expect(response.headers.get('set-cookie')).toBe('seen=1');
      expect(response.headers.get('content-type')).toBeNull();
      expect(response.headers.get('content-length')).toBeNull();
    }
  });

  it('answers 200 when the tag differs, and If-None-Match outranks If-Modified-Since', async () => {
    const response = await request(app, {
      headers: { 'If-None-Match': '"v2"', 'If-Modified-Since': LAST_MODIFIED },
    });
    expect(response.status).toBe(200);
    expect(response.text()).toBe('<p>page</p>\n');
  });

  it('uses If-Modified-Since when there is no If-None-Match', async () => {
    expect((await request(app, { headers: { 'If-Modified-Since': LAST_MODIFIED } })).status).toBe(304);
    expect(
      (await request(app, { headers: { 'If-Modified-Since': 'Mon, 30 Nov 2026 09:00:00 GMT' } })).status,
    ).toBe(200);
  });

  it('ignores malformed conditional headers', async () => {
    const malformed: Record<string, string>[] = [
      { 'If-None-Match': 'v1' },
      { 'If-None-Match': '"v1' },
      { 'If-Modified-Since': 'yesterday' },
    ];
    for (const headers of malformed) {
      expect((await request(app, { headers })).status).toBe(200);
    }
  });

  it('applies to GET and HEAD only', async () => {
    expect((await request(app, { method: 'POST', headers: { 'If-None-Match': '"v1"' } })).status).toBe(200);
    expect((await request(app, { method: 'HEAD', headers: { 'If-None-Match': '"v1"' } })).status).toBe(304);
  });

  it('works with etag() inside it', async () => {
    const hello: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello'];
    };
    const stack = validate(compose(conditionalGet(), etag())(validate(hello)));
    const first = await request(stack);
    const tag = first.headers.get('etag') as string;
    expect((await request(stack, { headers: { 'If-None-Match': tag } })).status).toBe(304);
  });

  it('over a socket: the 304 goes out with no body bytes and no Content-Length, and the connection stays usable', async () => {
    const server = await startServer(app);
    const connection = await RawConnection.open(server.port);
    connection.write(
      'GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const notModified = await connection.response();
    expect(notModified.status).toBe(304);
    expect(notModified.header('content-length')).toBeUndefined();
    expect(notModified.header('transfer-encoding')).toBeUndefined();
    expect(notModified.raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    // had a body byte slipped out, it would be read as the start of this response
    const next = await connection.response();
    expect(next.status).toBe(200);
    expect(next.body.toString()).toBe('<p>page</p>\n');
  });
});
