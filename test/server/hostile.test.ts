// Hostile and flaky clients that serve() already withstood, kept so: idle floods and slowloris
// do not starve normal requests, clients resetting mid-stream leak nothing, pipelining keeps
// order, header injection is refused, oversized heads get 431, close() drains under load.
import { connect, type Socket } from 'node:net';
import { type App, type Chunk, type HeaderList, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, sleep } from '../helpers/bodies.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll, track } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: HeaderList = [['Content-Type', 'text/plain']];
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

const hello: App = (environ, startResponse) => {
  startResponse('200 OK', TEXT);
  return [`hello ${environ.PATH_INFO}`];
};

/** Opens `count` TCP connections that send nothing (or what `send` gives), in batches. */
async function openSockets(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from(
      { length: Math.min(200, count - i) },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = track(connect(port, '127.0.0.1'));
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  for (const socket of sockets) socket.on('error', () => {});
  return sockets;
}

/** Ten normal requests, one after another, each on its own connection; returns the statuses. */
async function normalRequests(url: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${url}/normal${i}`, { signal: AbortSignal.timeout(5000) });
    await response.text();
    statuses.push(response.status);
  }
  return statuses;
}

describe('floods', () => {
  it('answers normal requests while 3,000 idle sockets are open', async () => {
    const server = await startServer(validate(hello));
    const sockets = await openSockets(server.port, 3000); // ~6,000 descriptors: ulimit -n is 20,000 here
    expect(await normalRequests(server.url)).toEqual(new Array(10).fill(200));
    for (const socket of sockets) socket.destroy();
  });

  it('answers normal requests while 200 slowloris clients drip their heads', async () => {
    const server = await startServer(validate(hello));
    const sockets = await openSockets(server.port, 200);
    for (const socket of sockets) socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('X-Slow: 1\r\n');
    }, 50);
    try {
      expect(await normalRequests(server.url)).toEqual(new Array(10).fill(200));
    } finally {
      clearInterval(drip);
    }
  });
});

describe('clients that reset mid-stream', () => {
  it('leave no connection open and get every body closed, 500 of them', async () => {
    let started = 0;
    let closed = 0;
    const server = await startServer(
      validate((_environ, startResponse) => {
        started++;
        startResponse('200 OK', TEXT);
        const body = (async function* () {
          for (;;) {
            yield 'x'.repeat(1024);
            await sleep(1);
          }
        })();
        return Object.assign(body, {
          close() {
            closed++;
          },
        });
      }),
    );
    const tcpHandles = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
    const clients = 500; // 1,000 in the issue; 500 keeps the property and the suite quick
    for (let i = 0; i < clients; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const connection = await RawConnection.open(server.port);
          connection.write(get('/stream'));
          await connection.receivedAtLeast(1);
          connection.socket.resetAndDestroy(); // a TCP reset, not a clean close
        }),
      );
    }
    await server.connectionsClosed(clients);
    await expect.poll(() => closed).toBe(clients);
    expect(started).toBe(clients);
    const open = await new Promise<number>((resolve, reject) =>
      server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(open).toBe(0);
    // no socket handle left in the process, client side or server side (this file's tests run in turn)
    await expect.poll(tcpHandles).toBe(0);
  });
});

describe('pipelining', () => {
  it('answers 100 pipelined requests in order', async () => {
    const server = await startServer(
      validate(async (environ, startResponse) => {
        // later requests finish their work first: the answers must still come in order
        const n = Number(environ.PATH_INFO.slice(1));
        await sleep(n % 3);
        startResponse('200 OK', TEXT);
        return [String(n)];
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(Array.from({ length: 100 }, (_, i) => get(`/${i}`)).join(''));
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) bodies.push((await connection.response()).body.toString());
    expect(bodies).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });
});

describe('header injection', () => {
  it.each([
    ['CR LF in a value', ['Location', '/ok\r\nSet-Cookie: evil=1']],
    ['a bare LF in a value', ['Location', '/ok\nSet-Cookie: evil=1']],
    ['a NUL in a value', ['X-A', 'a\0b']],
    ['CR LF in a name', ['X-A\r\nSet-Cookie', 'evil=1']],
  ] as Array<[string, [string, string]]>)('answers 500 for %s and sends none of it', async (_, header) => {
    const server = await startServer((_environ, startResponse) => {
      startResponse('302 Found', [...TEXT, header]);
      return ['moved'];
    });
    const response = await rawRequest(server.port, get('/'));
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toMatch(/evil|Location/i);
  });

  it('answers 500 for CR LF in the status line', async () => {
    const server = await startServer((_environ, startResponse) => {
      startResponse('200 OK\r\nSet-Cookie: evil=1', TEXT);
      return ['x'];
    });
    const response = await rawRequest(server.port, get('/'));
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toContain('evil');
  });
});

describe('an oversized head', () => {
  it('gets 431 and a closed connection, the app never called', async () => {
    const server = await startServer(validate(hello), { maxHeaderSize: 8 * 1024 });
    const connection = await RawConnection.open(server.port);
    connection.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
    await connection.whenClosed;
    expect(connection.received.toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
    expect(server.environs).toEqual([]);
  });

  it('gets its 431 even when the client goes on sending headers', async () => {
    const server = await startServer(validate(hello), { maxHeaderSize: 8 * 1024 });
    const connection = await RawConnection.open(server.port);
    connection.socket.pause(); // send first, read after, like a simple client
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n');
    for (let i = 0; i < 64 && !connection.closed; i++) {
      connection.write(`X-H${i}: ${'a'.repeat(4096)}\r\n`);
      await sleep(1);
    }
    connection.socket.resume();
    await connection.whenClosed;
    expect(connection.received.toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('close() under load', () => {
  it('finishes 20 requests in flight and refuses new connections', async () => {
    const gate = deferred();
    const server = await startServer(
      validate((environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (async function* (): AsyncGenerator<Chunk> {
          yield 'started ';
          await gate.promise;
          yield `done ${environ.PATH_INFO}`;
        })();
      }),
    );
    const connections = await Promise.all(Array.from({ length: 20 }, () => RawConnection.open(server.port)));
    for (const [i, connection] of connections.entries()) connection.write(get(`/${i}`));
    await Promise.all(connections.map((connection) => connection.waitForText('started ')));
    const closing = server.close();
    await expect(RawConnection.open(server.port)).rejects.toThrow(/ECONNREFUSED/);
    gate.resolve();
    const bodies = await Promise.all(
      connections.map(async (connection) => (await connection.response()).body),
    );
    expect(bodies.map(String)).toEqual(Array.from({ length: 20 }, (_, i) => `started done /${i}`));
    await closing;
    await Promise.all(connections.map((connection) => connection.whenClosed));
  });
});
