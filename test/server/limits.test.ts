// The limits and timeouts of serve(), with their defaults: requests per connection, the
// keep-alive timeout, and the header size.
import { type App, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe('maxRequestsPerConnection', () => {
  it('closes a keep-alive connection after that many requests, saying so in the last response', async () => {
    const server = await startServer(validate(hello), { maxRequestsPerConnection: 3 });
    const connection = await RawConnection.open(server.port);
    const said: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      connection.write(GET);
      said.push((await connection.response()).header('connection'));
    }
    expect(said).toEqual(['keep-alive', 'keep-alive', 'close']);
    // and closes it: node:http said close, then kept it open for keepAliveTimeout
    const answered = Date.now();
    await Promise.race([connection.whenClosed, sleep(4000)]);
    expect(connection.closed).toBe(true);
    expect(Date.now() - answered).toBeLessThan(3000); // not keepAliveTimeout's 5 s; a loaded CI machine's margin
  });

  it('is 1000 by default', async () => {
    const server = await startServer(validate(hello));
    expect(server.server.maxRequestsPerSocket).toBe(1000);
  });
});

describe('keepAliveTimeout', () => {
  it('closes an idle keep-alive connection after it', async () => {
    const server = await startServer(validate(hello), { keepAliveTimeout: 300 });
    const connection = await RawConnection.open(server.port);
    // timed from before the request: the server arms the timeout once its response is out,
    // which can be well before this process reads it (a GC pause, a loaded machine)
    const sent = Date.now();
    connection.write(GET);
    await connection.response();
    await Promise.race([connection.whenClosed, sleep(8000)]);
    expect(connection.closed).toBe(true);
    const elapsed = Date.now() - sent;
    expect(elapsed).toBeGreaterThanOrEqual(290); // a timer may fire up to a millisecond early
    expect(elapsed).toBeLessThan(300 + 4500); // the margin is for a loaded CI machine
  });
});

describe('maxHeaderSize', () => {
  it('is 16 KiB by default: a head just under passes, one over gets 431', async () => {
    const server = await startServer(validate(hello));
    const under = await RawConnection.open(server.port);
    under.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(15 * 1024)}\r\n\r\n`);
    expect((await under.response()).status).toBe(200);
    const over = await RawConnection.open(server.port);
    over.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    await over.whenClosed;
    expect(over.received.toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
  });
});
