// The server's life: connections reused (keep-alive), a graceful close() that lets requests
// in flight finish and refuses new ones, and the announce line.
import { Agent, request } from 'node:http';
import { type App, type HeaderList, validate } from '@tsgi/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, sleep, trackClose } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await stopAll();
});

const TEXT: HeaderList = [['Content-Type', 'text/plain']];
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** Answers `PATH_INFO from REMOTE_PORT`. */
const whoAsked: App = (environ, startResponse) => {
  startResponse('200 OK', TEXT);
  return [`${environ.PATH_INFO} from ${environ.REMOTE_PORT}`];
};

describe('keep-alive', () => {
  it('answers several requests, one after another, on one connection', async () => {
    const server = await startServer(validate(whoAsked));
    const connection = await RawConnection.open(server.port);
    const port = connection.socket.localPort;
    for (const path of ['/one', '/two', '/three']) {
      connection.write(get(path));
      const response = await connection.response();
      expect(response.body.toString()).toBe(`${path} from ${port}`);
    }
    expect(connection.closed).toBe(false);
  });

  it('answers pipelined requests in order', async () => {
    const server = await startServer(
      validate(async (environ, startResponse) => {
        // the first takes longest: the answers must still come in request order
        await sleep(environ.PATH_INFO === '/slow' ? 20 : 0);
        startResponse('200 OK', TEXT);
        return (function* () {
          yield environ.PATH_INFO;
        })();
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(get('/slow') + get('/fast'));
    expect((await connection.response()).body.toString()).toBe('/slow');
    expect((await connection.response()).body.toString()).toBe('/fast');
  });

  it("reuses the connection of node's keep-alive agent", async () => {
    const server = await startServer(validate(whoAsked));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ask = (path: string) =>
        new Promise<{ text: string; reused: boolean }>((resolve, reject) => {
          const req = request(`${server.url}${path}`, { agent }, (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve({ text, reused: req.reusedSocket }));
          });
          req.on('error', reject);
          req.end();
        });
      const first = await ask('/a');
      const second = await ask('/b');
      expect(second.reused).toBe(true);
      expect(second.text.split(' from ')[1]).toBe(first.text.split(' from ')[1]);
    } finally {
      agent.destroy();
    }
  });

  it('closes the connection after the response when the client asks for it', async () => {
    const server = await startServer(validate(whoAsked));
    const connection = await RawConnection.open(server.port);
    connection.write('GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const response = await connection.response();
    expect(response.body.toString()).toMatch(/^\/bye from/);
    await connection.whenClosed;
  });
});

describe('close()', () => {
  it('lets a request in flight finish, refuses new connections, then resolves', async () => {
    const gate = deferred();
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (async function* () {
          yield 'started, ';
          await gate.promise;
          yield 'finished';
        })();
      }),
      { keepAliveTimeout: 5000 },
    );
    const connection = await RawConnection.open(server.port);
    connection.write(get('/'));
    await connection.waitForText('started, ');

    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await expect(RawConnection.open(server.port)).rejects.toThrow(/ECONNREFUSED/);
    await sleep(20);
    expect(closed).toBe(false);

    gate.resolve();
    const response = await connection.response();
    expect([response.complete, response.body.toString()]).toEqual([true, 'started, finished']);
    // the connection that just went idle does not keep close() waiting for keepAliveTimeout
    const started = Date.now();
    await closing;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not wait for idle keep-alive connections', async () => {
    const server = await startServer(validate(whoAsked), { keepAliveTimeout: 5000 });
    const connection = await RawConnection.open(server.port);
    connection.write(get('/'));
    await connection.response();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await connection.whenClosed;
  });

  it('cuts a request still running after closeTimeout, and closes its body', async () => {
    let tracked: ReturnType<typeof trackClose> | undefined;
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        tracked = trackClose(
          (async function* () {
            yield 'forever';
            await new Promise(() => {});
          })(),
        );
        return tracked.body;
      }),
      { closeTimeout: 50 },
    );
    const connection = await RawConnection.open(server.port);
    connection.write(get('/'));
    await connection.waitForText('forever');
    await server.close();
    await connection.whenClosed;
    expect((await connection.response()).complete).toBe(false);
    await tracked?.closed;
    expect(tracked?.closeCount).toBe(1);
  });
});

describe('announce', () => {
  it('passes "Serving on URL" to a function', async () => {
    const lines: string[] = [];
    const server = await startServer(validate(whoAsked), { announce: (line) => lines.push(line) });
    expect(lines).toEqual([`Serving on http://127.0.0.1:${server.port}`]);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('prints it to stdout when true', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const server = await startServer(validate(whoAsked), { announce: true });
    expect(log).toHaveBeenCalledWith(`Serving on http://127.0.0.1:${server.port}`);
  });

  it('prints nothing by default', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await startServer(validate(whoAsked));
    expect(log).not.toHaveBeenCalled();
  });
});
