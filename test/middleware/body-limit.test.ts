import { type App, Request, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { bodyLimit } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

let ran = 0;
let readBytes = 0;
const echo: App = async (environ, startResponse) => {
  ran++;
  readBytes = 0;
  const chunks: Uint8Array[] = [];
  for await (const chunk of environ['tsgi.input']) {
    readBytes += chunk.byteLength;
    chunks.push(chunk);
  }
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`${Buffer.concat(chunks).byteLength}`];
};

async function* stream(chunks: number, size: number) {
  for (let i = 0; i < chunks; i++) yield new Uint8Array(size);
}

describe('bodyLimit', () => {
  it('answers 413 by Content-Length before the app runs', async () => {
    ran = 0;
    const response = await request(validate(bodyLimit({ max: 10 })(validate(echo))), {
      body: 'x'.repeat(11),
    });
    expect(response.status).toBe(413);
    expect(response.text()).toContain('limit of 10 bytes');
    expect(ran).toBe(0);
  });

  it('cuts a chunked body off as the count crosses max, before the app holds more', async () => {
    const response = await request(validate(bodyLimit({ max: 1000 })(validate(echo))), {
      body: stream(100, 400),
    });
    expect(response.status).toBe(413);
    expect(readBytes).toBeLessThanOrEqual(1000);
  });

  it('lets bodies within the limit through, whole (core readers too)', async () => {
    expect((await request(validate(bodyLimit({ max: 10 })(echo)), { body: 'x'.repeat(10) })).text()).toBe(
      '10',
    );
    const reader: App = async (environ, startResponse) => {
      const text = await Request.of(environ).text();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [text];
    };
    expect(
      (await request(validate(bodyLimit({ max: 10 })(reader)), { body: stream(2, 3) })).text(),
    ).toHaveLength(6);
  });

  it('holds a body a middleware outside it already read to max, and gives the app those bytes', async () => {
    const text: App = async (environ, startResponse) => {
      const body = await Request.of(environ).text();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`got ${body}`];
    };
    const readsFirst =
      (app: App): App =>
      async (environ, startResponse) => {
        await Request.of(environ).text(); // csrf() or methodOverride() reading the form
        return app(environ, startResponse);
      };
    const within = await request(validate(readsFirst(bodyLimit({ max: 100 })(validate(text)))), {
      method: 'POST',
      body: 'small',
    });
    expect(within.status).toBe(200);
    expect(within.text()).toBe('got small');
    // a chunked body (no Content-Length) read outside, over max: still refused
    async function* chunks() {
      yield new TextEncoder().encode('0123456789');
      yield new TextEncoder().encode('0123456789');
    }
    const over = await request(validate(readsFirst(bodyLimit({ max: 15 })(validate(text)))), {
      method: 'POST',
      body: chunks(),
      rethrow: false,
    });
    expect(over.status).toBe(413);
  });

  it('checks max', () => {
    expect(() => bodyLimit({ max: -1 })).toThrow(/max must be a non-negative integer/);
    expect(() => bodyLimit(undefined as never)).toThrow(/options \{ max \} are required/);
  });

  it('over a socket: a huge chunked upload gets a 413 without the app reading it all', async () => {
    const server = await startServer(validate(bodyLimit({ max: 64 * 1024 })(validate(echo))));
    const connection = await RawConnection.open(server.port);
    connection.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
    for (let i = 0; i < 8; i++) connection.write(chunk); // 128 KiB, and the client never finishes
    const response = await connection.response();
    expect(response.status).toBe(413);
    expect(readBytes).toBeLessThanOrEqual(64 * 1024);
  });
});
