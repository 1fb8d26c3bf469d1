import zlib from 'node:zlib';
import { type App, Request, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { decompress } from '@tsgi/middleware/decompress';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/bodies.js';
import { httpRequest } from '../helpers/http.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const echo: App = async (environ, startResponse) => {
  const text = await Request.of(environ).text({ limit: 64 * 1024 * 1024 });
  startResponse('200 OK', [
    ['Content-Type', 'text/plain'],
    ['X-Length', String(environ.CONTENT_LENGTH ?? 'none')],
    ['X-Encoding', String(environ.HTTP_CONTENT_ENCODING ?? 'none')],
  ]);
  return [text];
};
const message = 'a request body, sent compressed. '.repeat(100);

describe('decompress()', () => {
  it('decodes gzip, deflate and brotli uploads; the app sees no encoding and no stale length', async () => {
    const app = validate(decompress()(validate(echo)));
    for (const [coding, encode] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      const response = await request(app, { body: encode(message), headers: { 'Content-Encoding': coding } });
      expect([response.text(), response.headers.get('X-Length'), response.headers.get('X-Encoding')]).toEqual(
        [message, 'none', 'none'],
      );
    }
    expect((await request(app, { body: 'plain' })).text()).toBe('plain');
  });

  it('undoes stacked codings from the last one listed', async () => {
    const twice = zlib.brotliCompressSync(zlib.gzipSync(message));
    const response = await request(decompress()(echo), {
      body: twice,
      headers: { 'Content-Encoding': 'gzip, br' },
    });
    expect(response.text()).toBe(message);
  });

  it('stacked codings are capped: more than 5 are a 415 before the app runs (each is a zlib stream)', async () => {
    // 1000 nested gzip layers cost 50 MB and 2 s of CPU to unwrap; 2500 took the process down
    let ran = 0;
    const app = decompress()((environ, startResponse) => {
      ran++;
      return echo(environ, startResponse);
    });
    let six = Buffer.from(message);
    for (let i = 0; i < 6; i++) six = zlib.gzipSync(six);
    const refused = await request(app, {
      body: six,
      headers: { 'Content-Encoding': Array(6).fill('gzip').join(', ') },
    });
    expect(refused.status).toBe(415);
    const many = await request(app, {
      body: 'x',
      headers: { 'Content-Encoding': Array(2500).fill('gzip').join(',') },
    });
    expect(many.status).toBe(415);
    expect(ran).toBe(0);
    let five = Buffer.from(message);
    for (let i = 0; i < 5; i++) five = zlib.gzipSync(five);
    const accepted = await request(app, {
      body: five,
      headers: { 'Content-Encoding': Array(5).fill('gzip').join(', ') },
    });
    expect([accepted.status, accepted.text()]).toEqual([200, message]);
  });

  it('a zip bomb is a 413 once the decoded size crosses the limit', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024)); // 16 MiB of zeros in ~16 KiB
    expect(bomb.byteLength).toBeLessThan(32 * 1024);
    const response = await request(validate(decompress({ limit: 1024 * 1024 })(validate(echo))), {
      body: bomb,
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(response.status).toBe(413);
  });

  it('a corrupt body is a 400, an unknown coding a 415 with the ones understood', async () => {
    const app = validate(decompress()(validate(echo)));
    const corrupt = await request(app, { body: 'not gzip at all', headers: { 'Content-Encoding': 'gzip' } });
    expect(corrupt.status).toBe(400);
    const truncated = zlib.gzipSync(message).subarray(0, 40);
    expect((await request(app, { body: truncated, headers: { 'Content-Encoding': 'gzip' } })).status).toBe(
      400,
    );
    const unknown = await request(app, { body: 'x', headers: { 'Content-Encoding': 'compress' } });
    expect(unknown.status).toBe(415);
    expect(unknown.headers.get('Accept-Encoding')).toMatch(/gzip/);
  });

  it('over a socket: a chunked gzip upload streams through', async () => {
    const server = await startServer(validate(decompress()(validate(echo))));
    const gz = zlib.gzipSync(message);
    const response = await httpRequest(`${server.url}/`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip' },
      body: [gz.subarray(0, 10), gz.subarray(10, 30), gz.subarray(30)],
    });
    expect([response.status, response.text]).toEqual([200, message]);
  });

  it('over a socket: a bomb whose sender then stalls gets its 413 at once, and a corrupt one its 400', async () => {
    const server = await startServer(validate(decompress({ limit: 1024 * 1024 })(validate(echo))));
    const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
    for (const [body, status] of [
      [bomb, 413],
      [Buffer.from('not gzip at all'), 400],
    ] as const) {
      const connection = await RawConnection.open(server.port);
      // more announced than sent: the client sends what decodes past the limit, then waits
      connection.write(
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.byteLength + 100_000}\r\n\r\n`,
      );
      connection.write(body);
      const answer = await Promise.race([connection.response(), sleep(2000).then(() => 'no answer')]);
      expect(typeof answer === 'string' ? answer : answer.status).toBe(status);
      connection.socket.destroy();
    }
  });

  it('names the bad option', () => {
    expect(() => decompress({ limit: -1 })).toThrow(/limit/);
  });
});
