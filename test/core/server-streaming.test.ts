// Streaming: chunks reach the client as they are made, a slow reader holds the producer back
// (backpressure), and 103 Early Hints go out before the response.
import { type Chunk, type HeaderList, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, sleep } from '../helpers/bodies.js';
import { httpRequest } from '../helpers/http.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: HeaderList = [['Content-Type', 'application/octet-stream']];
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;
/** More than loopback socket buffers hold (a few MiB), far less than the RUNAWAY cap. */
const MAX_AHEAD = 32 * MiB;
/** If the server ignored backpressure, stop there (256 MiB) rather than fill the memory. */
const RUNAWAY = 4096;

/** Resolves once `read()` has moved from 0, then not changed for a while: the producer stopped. */
async function settled(read: () => number): Promise<number> {
  await expect.poll(read).toBeGreaterThan(0); // the request may not even be in yet
  let last = -1;
  let still = 0;
  while (still < 5) {
    await sleep(20);
    const now = read();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

describe('streaming', () => {
  it('delivers each chunk before the next one is made', async () => {
    const makeSecond = deferred();
    const makeEnd = deferred();
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (async function* () {
          yield 'first;';
          await makeSecond.promise;
          yield 'second;';
          await makeEnd.promise;
        })();
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    await connection.waitForText('first;');
    expect(connection.unread).not.toContain('second;');
    makeSecond.resolve();
    await connection.waitForText('second;');
    expect(connection.unread).not.toMatch(/\r\n0\r\n\r\n$/);
    makeEnd.resolve();
    const response = await connection.response();
    expect([response.complete, response.body.toString()]).toEqual([true, 'first;second;']);
  });
});

describe('backpressure: a slow reader holds the producer back', () => {
  const producers: Array<[string, (state: { pulled: number }) => Iterable<Chunk> | AsyncIterable<Chunk>]> = [
    [
      'an async generator',
      async function* (state) {
        for (;;) {
          if (++state.pulled > RUNAWAY) throw new Error('runaway: backpressure ignored');
          yield Buffer.alloc(CHUNK, 'a');
        }
      },
    ],
    [
      'a synchronous generator',
      function* (state) {
        for (;;) {
          if (++state.pulled > RUNAWAY) throw new Error('runaway: backpressure ignored');
          yield Buffer.alloc(CHUNK, 's');
        }
      },
    ],
  ];

  it.each(producers)('pulls %s only as fast as the client reads', async (_, produce) => {
    const state = { pulled: 0 };
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return produce(state);
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.socket.pause(); // the client reads nothing yet
    connection.write(GET);
    const pulledWhilePaused = await settled(() => state.pulled);
    expect(pulledWhilePaused).toBeGreaterThan(0);
    expect(pulledWhilePaused * CHUNK).toBeLessThan(MAX_AHEAD);

    // reading resumes the producer, and it stays a bounded distance ahead of the reader
    connection.socket.resume();
    await connection.receivedAtLeast(pulledWhilePaused * CHUNK + 8 * MiB);
    connection.socket.pause();
    const pulled = await settled(() => state.pulled);
    expect(pulled).toBeGreaterThan(pulledWhilePaused);
    expect(pulled * CHUNK - connection.receivedBytes).toBeLessThan(MAX_AHEAD);
    connection.destroy();
  });

  it('makes write() return a promise while the socket is full, for an app that awaits it', async () => {
    const state = { written: 0, pending: 0 };
    const server = await startServer(
      validate((environ, startResponse) => {
        const write = startResponse('200 OK', TEXT);
        return (async function* () {
          // a client that left resolves the promise too: the signal says whether to go on
          while (state.written < RUNAWAY && !environ['tsgi.signal'].aborted) {
            state.written++;
            const full = write(Buffer.alloc(CHUNK, 'w'));
            if (full !== undefined) {
              state.pending++;
              await full;
            }
          }
          yield '';
        })();
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.socket.pause();
    connection.write(GET);
    const written = await settled(() => state.written);
    expect(state.pending).toBeGreaterThan(0);
    expect(written * CHUNK).toBeLessThan(MAX_AHEAD);
    connection.destroy();
  });
});

describe('103 Early Hints', () => {
  it('sends the Link headers in a 103 before the response', async () => {
    const server = await startServer(
      validate((environ, startResponse) => {
        environ['tsgi.early_hints']([
          '</style.css>; rel=preload; as=style',
          '</app.js>; rel=preload; as=script',
        ]);
        startResponse('200 OK', [['Content-Type', 'text/html']]);
        return ['<!doctype html>'];
      }),
    );
    const response = await httpRequest(server.url);
    expect(response.informational.map((info) => info.status)).toEqual([103]);
    expect(response.informational[0]?.headers.link).toBe(
      '</style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script',
    );
    expect([response.status, response.text]).toEqual([200, '<!doctype html>']);
  });

  it('sends no 103 once the response has started: it would break the chunked framing', async () => {
    // bare: validate() would stop the app first (rule early-hints-late); this is the server's guard
    const server = await startServer((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/html']]);
      return (function* () {
        yield 'first ';
        environ['tsgi.early_hints'](['</late.css>; rel=preload']);
        yield 'second';
      })();
    });
    const response = await rawRequest(server.port, GET);
    expect([response.status, response.body.toString(), response.complete]).toEqual([
      200,
      'first second',
      true,
    ]);
    expect(response.raw.toString()).not.toContain('103');
  });

  it('sends no 103 to an HTTP/1.0 client, which knows no 1xx', async () => {
    const server = await startServer(
      validate((environ, startResponse) => {
        environ['tsgi.early_hints'](['</style.css>; rel=preload']);
        startResponse('200 OK', [['Content-Type', 'text/html']]);
        return ['page'];
      }),
    );
    const response = await rawRequest(server.port, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(response.raw.toString()).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('puts the 103 on the wire before the final status line', async () => {
    const server = await startServer(
      validate(async (environ, startResponse) => {
        environ['tsgi.early_hints'](['</style.css>; rel=preload']);
        await sleep(1);
        startResponse('200 OK', [['Content-Type', 'text/html']]);
        return ['page'];
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    const hints = await connection.response();
    expect([hints.status, hints.header('Link')]).toEqual([103, '</style.css>; rel=preload']);
    const response = await connection.response();
    expect([response.status, response.body.toString()]).toEqual([200, 'page']);
  });
});
