// What a hostile-client battery found in serve(), each fixed: bodies left unread are not read to
// their end, a 413 is not lost to a reset, timeouts hold, HTTP/0.9 and 2.0 request lines are
// refused, and an array body longer than its Content-Length is a 500.
import { type App, type HeaderList, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/bodies.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: HeaderList = [['Content-Type', 'text/plain']];

/** Answers without touching the request body. */
const ignoreBody: App = (environ, startResponse) => {
  startResponse('200 OK', TEXT);
  return [`${environ.PATH_INFO}:unread`];
};

/** Reads the whole body, answering with its length. */
const countBody: App = async (environ, startResponse) => {
  let total = 0;
  for await (const chunk of environ['tsgi.input']) total += chunk.byteLength;
  startResponse('200 OK', TEXT);
  return [`${total}`];
};

/**
 * Sends `head`, then `chunk` over and over (up to `limit` bytes) while the server keeps reading,
 * stopping when the connection closes. Returns the connection and how many bytes went out.
 */
async function upload(port: number, head: string, chunk: Buffer, limit: number, readLate = false) {
  const connection = await RawConnection.open(port);
  // like curl: send the whole body first, read the answer after
  if (readLate) connection.socket.pause();
  connection.write(head);
  let sent = 0;
  while (sent < limit && !connection.closed && !connection.socket.writableEnded) {
    if (!connection.socket.write(chunk)) {
      await Promise.race([
        new Promise((resolve) => connection.socket.once('drain', resolve)),
        connection.whenClosed,
        sleep(3000), // the server stopped reading: the socket stays full
      ]);
      if (connection.socket.writableNeedDrain) break;
    }
    sent += chunk.length;
  }
  connection.socket.resume();
  return { connection, sent };
}

const MiB = 1024 * 1024;
const chunked = (size: number) =>
  Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 'x'), Buffer.from('\r\n')]);

describe('a body left unread is not read to its end', () => {
  it('closes, rather than read on, after answering a large chunked upload the app ignored', async () => {
    const server = await startServer(validate(ignoreBody));
    const connection = await RawConnection.open(server.port);
    connection.write('POST /ignored HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    // an upload that would go on for a minute: 64 KiB every 10 ms
    const drip = setInterval(() => connection.write(chunked(64 * 1024)), 10);
    try {
      const response = await connection.response();
      expect([response.status, response.body.toString()]).toEqual([200, '/ignored:unread']);
      const answered = Date.now();
      await Promise.race([connection.whenClosed, sleep(12_000)]);
      // a bounded drain, then a lingering close of at most 2 s (an upload read to its end
      // would take a minute); the margin is for a loaded CI machine
      expect(connection.closed).toBe(true);
      expect(Date.now() - answered).toBeLessThan(2000 + 6000);
    } finally {
      clearInterval(drip);
    }
  });

  it('says Connection: close when an unread Content-Length body is larger than it drains', async () => {
    const server = await startServer(validate(ignoreBody));
    const connection = await RawConnection.open(server.port);
    connection.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * MiB}\r\n\r\n`);
    connection.write(Buffer.alloc(64 * 1024, 'x'));
    const response = await connection.response();
    expect(response.status).toBe(200);
    expect(response.header('connection')).toBe('close');
    connection.socket.end();
    await connection.whenClosed;
  });

  it('keeps the connection after a small unread body: it is read and dropped', async () => {
    const server = await startServer(validate(ignoreBody));
    const connection = await RawConnection.open(server.port);
    connection.write(`POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(1000)}`);
    const response = await connection.response();
    expect(response.header('connection')).toBe('keep-alive');
    connection.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).body.toString()).toBe('/next:unread');
  });

  it('closes, rather than read on, after a 413 for a chunked body over the limit', async () => {
    const server = await startServer(validate(countBody), { maxBodySize: MiB });
    const { connection, sent } = await upload(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      chunked(64 * 1024),
      40 * MiB,
    );
    await connection.whenClosed;
    const response = await connection.response();
    expect(response.status).toBe(413);
    expect(response.header('connection')).toBe('close');
    expect(sent).toBeLessThan(20 * MiB);
  });
});

describe('the 413 for a too-large Content-Length', () => {
  it('reaches a client that keeps sending (the server closes lingeringly, not with a reset)', async () => {
    const server = await startServer(validate(countBody), { maxBodySize: 1024 });
    for (let run = 0; run < 7; run++) {
      const { connection } = await upload(
        server.port,
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${40 * MiB}\r\n\r\n`,
        Buffer.alloc(256 * 1024, 'x'),
        40 * MiB,
        true,
      );
      await connection.whenClosed;
      expect(connection.received.toString('latin1'), `run ${run}`).toMatch(/^HTTP\/1\.1 413 /);
    }
    expect(server.environs).toEqual([]);
  });
});

describe('timeouts', () => {
  /** A client that sends one byte of its head every 100 ms and never finishes it. */
  async function slowloris(port: number): Promise<RawConnection> {
    const connection = await RawConnection.open(port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => {
      if (!connection.closed) connection.write('X');
    }, 100);
    connection.whenClosed.then(() => clearInterval(drip));
    return connection;
  }

  it('closes a connection whose head is not in within headersTimeout, within about 2 s', async () => {
    const server = await startServer(validate(ignoreBody), { headersTimeout: 1000, requestTimeout: 5000 });
    const started = Date.now();
    const connection = await slowloris(server.port);
    await Promise.race([connection.whenClosed, sleep(12_000)]);
    const elapsed = Date.now() - started;
    connection.destroy();
    expect(elapsed).toBeGreaterThanOrEqual(900);
    // checked once a second, so 1-2 s (node's default is 60 s); the margin is for a loaded CI machine
    expect(elapsed).toBeLessThan(2000 + 6000);
  });

  it('closes a request whose body is not in within requestTimeout, within about 2 s', async () => {
    const server = await startServer(validate(countBody), { headersTimeout: 1000, requestTimeout: 1500 });
    const started = Date.now();
    const connection = await RawConnection.open(server.port);
    connection.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    await Promise.race([connection.whenClosed, sleep(12_000)]);
    const elapsed = Date.now() - started;
    connection.destroy();
    // checked once a second, so 1.5-2.5 s (node's default is 300 s); the margin is for a loaded CI machine
    expect(elapsed).toBeLessThan(2500 + 6000);
  });

  it('exposes the checking interval', async () => {
    const server = await startServer(validate(ignoreBody), { connectionsCheckingInterval: 250 });
    expect(
      (server.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval,
    ).toBe(250);
  });
});

describe('the protocol version', () => {
  it.each([
    ['GET / HTTP/2.0', 505],
    ['GET / HTTP/1.2', 505],
    ['GET / HTTP/3.0', 505],
    ['GET /', 400],
  ])('answers %j with %i before any app runs', async (line, status) => {
    const server = await startServer(validate(ignoreBody));
    const connection = await RawConnection.open(server.port);
    connection.write(`${line}\r\nHost: x\r\n\r\n`);
    await connection.whenClosed;
    expect(connection.received.toString('latin1')).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(server.environs).toEqual([]);
  });

  it.each(['HTTP/1.0', 'HTTP/1.1'])('serves %s', async (version) => {
    const server = await startServer(validate(ignoreBody));
    const response = await rawRequest(server.port, `GET /v ${version}\r\nHost: x\r\n\r\n`);
    expect([response.status, server.environs[0]?.SERVER_PROTOCOL]).toEqual([200, version]);
  });
});

describe('an array body longer than its Content-Length', () => {
  it('is a 500, since the server knows before the head goes out', async () => {
    const server = await startServer(
      (_environ, startResponse) => {
        startResponse('200 OK', [...TEXT, ['Content-Length', '5']]);
        return ['hello', ' world'];
      },
      { allowViolations: true },
    );
    const response = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect([response.status, response.complete]).toEqual([500, true]);
    expect(response.body.toString()).not.toContain('hello');
    expect(server.logs.join('')).toContain('more than its Content-Length');
  });
});

describe('a connection that is closing', () => {
  it('answers nothing pipelined after a request that said Connection: close', async () => {
    const server = await startServer(validate(ignoreBody));
    const connection = await RawConnection.open(server.port);
    connection.write(
      'GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await connection.whenClosed;
    expect(connection.received.toString('latin1').match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(server.environs.map((environ) => environ.PATH_INFO)).toEqual(['/last']);
  });

  it('runs no app for a request pipelined behind a body refused with 413', async () => {
    const server = await startServer(validate(countBody), { maxBodySize: 10 });
    const connection = await RawConnection.open(server.port);
    connection.write(
      'POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n01234567890123456789GET /after HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await connection.whenClosed;
    const text = connection.received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(server.environs).toEqual([]);
  });
});
