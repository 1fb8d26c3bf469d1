// Request-smuggling shapes: each is refused (400, or 413 for an oversized part) and the
// connection closed, so that the request hidden after it is never read as a request of its own.
import { type App, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

/** Reads the body whole and answers with it. */
const echo: App = async (environ, startResponse) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of environ['tsgi.input']) chunks.push(chunk);
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [Buffer.concat(chunks)];
};

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
const post = (headers: string, body: string) => `POST / HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;

const shapes: Array<[string, string]> = [
  [
    'Content-Length and Transfer-Encoding',
    post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'),
  ],
  [
    'Transfer-Encoding and Content-Length',
    post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n', '0\r\n\r\n'),
  ],
  ['two different Content-Lengths', post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello!')],
  ['a list of two Content-Lengths', post('Content-Length: 5, 6\r\n', 'hello!')],
  ['Transfer-Encoding: chunked, identity', post('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n')],
  ['Transfer-Encoding: xchunked', post('Transfer-Encoding: xchunked\r\n', '0\r\n\r\n')],
  [
    'chunked, then identity, in two headers',
    post('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n', '0\r\n\r\n'),
  ],
  ['a space before the colon', post('Transfer-Encoding : chunked\r\n', '0\r\n\r\n')],
  ['a chunk size that is not hex', post('Transfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n0\r\n\r\n')],
  [
    'a chunk size that overflows',
    post('Transfer-Encoding: chunked\r\n', `${'f'.repeat(20)}\r\nhello\r\n0\r\n\r\n`),
  ],
  ['a chunk longer than its size', post('Transfer-Encoding: chunked\r\n', '3\r\nhello\r\n0\r\n\r\n')],
  ['a bare LF after a chunk size', post('Transfer-Encoding: chunked\r\n', '5\nhello\r\n0\r\n\r\n')],
  ['a bare LF ending a header', 'POST / HTTP/1.1\r\nHost: x\nContent-Length: 0\r\n\r\n'],
  ['an obs-folded Transfer-Encoding', post('Transfer-Encoding: identity\r\n chunked\r\n', '0\r\n\r\n')],
  ['a signed Content-Length', post('Content-Length: +5\r\n', 'hello')],
  ['a Content-Length with a space inside', post('Content-Length: 1 0\r\n', 'hello')],
  ['a NUL in a header value', post('X-A: a\0b\r\nContent-Length: 0\r\n', '')],
];

describe('request smuggling', () => {
  it.each(shapes)('refuses %s, closes, and never reads the request behind it', async (_, request) => {
    const server = await startServer(validate(echo));
    const connection = await RawConnection.open(server.port);
    connection.write(request + SMUGGLED);
    await connection.whenClosed;
    const text = connection.received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    // one response, never a second one for the request behind it
    expect(text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(server.environs.map((environ) => environ.PATH_INFO)).not.toContain('/smuggled');
  });

  it('answers 1 MB of chunk extensions with 413 and closes', async () => {
    const server = await startServer(validate(echo));
    const connection = await RawConnection.open(server.port);
    connection.write(
      post('Transfer-Encoding: chunked\r\n', `5;${'a'.repeat(1024 * 1024)}\r\nhello\r\n0\r\n\r\n`),
    );
    connection.write(SMUGGLED);
    await connection.whenClosed;
    const text = connection.received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    // the app may have begun (the head was fine), but the request behind never ran
    expect(server.environs.map((environ) => environ.PATH_INFO)).toEqual(['/']);
  });
});
