// How serve() frames a response: Content-Length or chunked, no body for HEAD/204/304,
// headers going out with the first bytes, and every shape of app and body.
import { type App, type Body, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/bodies.js';
import { httpRequest } from '../helpers/http.js';
import { parseResponse, RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];

const get = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe('framing', () => {
  it('sends an array body with a Content-Length of its bytes', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return ['héllo ', Buffer.from('wörld')];
      }),
    );
    const response = await rawRequest(server.port, get());
    expect(response.header('Content-Length')).toBe(String(Buffer.byteLength('héllo wörld')));
    expect(response.header('Transfer-Encoding')).toBeUndefined();
    expect(response.body.toString()).toBe('héllo wörld');
  });

  it('sends a generator body chunked', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (function* () {
          yield 'one';
          yield 'three';
        })();
      }),
    );
    const response = await rawRequest(server.port, get());
    expect(response.header('Transfer-Encoding')).toBe('chunked');
    expect(response.header('Content-Length')).toBeUndefined();
    // chunks yielded in one tick may share a wire chunk (Node 24 corks the response): the
    // framing is chunked and complete, the boundaries are node's
    expect(response.raw.toString()).toMatch(/\r\n\r\n(3\r\none\r\n5\r\nthree|8\r\nonethree)\r\n0\r\n\r\n$/);
  });

  it('sends a chunk yielded after a pause as its own chunk, at once', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (async function* () {
          yield 'one';
          await sleep(30);
          yield 'three';
        })();
      }),
    );
    const response = await rawRequest(server.port, get());
    expect(response.raw.toString()).toContain('\r\n\r\n3\r\none\r\n5\r\nthree\r\n0\r\n\r\n');
  });

  it("honours the app's own Content-Length on a streamed body", async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', [...TEXT, ['Content-Length', '8']]);
        return (async function* () {
          yield 'abcd';
          yield 'efgh';
        })();
      }),
    );
    const response = await rawRequest(server.port, get());
    expect(response.header('Transfer-Encoding')).toBeUndefined();
    expect([response.header('Content-Length'), response.body.toString()]).toEqual(['8', 'abcdefgh']);
  });

  it('sends an empty body with Content-Length: 0', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return [];
      }),
    );
    const response = await rawRequest(server.port, get());
    expect([response.status, response.header('Content-Length'), response.body.length]).toEqual([200, '0', 0]);
  });
});

describe('responses without a body', () => {
  const page: App = (_environ, startResponse) => {
    startResponse('200 OK', [...TEXT, ['X-Page', 'yes']]);
    return ['twelve bytes'];
  };

  it('answers HEAD with the headers of GET, Content-Length included, and no body bytes', async () => {
    const server = await startServer(validate(page));
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await connection.response();
    connection.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    const head = await connection.response({ head: true });
    expect(head.header('Content-Length')).toBe('12');
    expect(head.headers.filter(([name]) => name !== 'Date')).toEqual(
      got.headers.filter(([name]) => name !== 'Date'),
    );
    // the next request on this connection proves no body bytes followed the HEAD response
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).body.toString()).toBe('twelve bytes');
  });

  it('lets a legacy write() app answer HEAD without special-casing it', async () => {
    let after = false;
    const server = await startServer(
      validate((_environ, startResponse) => {
        const write = startResponse('200 OK', TEXT);
        write('first ');
        write('second');
        after = true;
        return [];
      }),
    );
    const response = await httpRequest(server.url, { method: 'HEAD' });
    expect([response.status, response.body.length, after]).toEqual([200, 0, true]);
    expect(server.logs).toEqual([]);
  });

  it('answers HEAD without pulling a streamed body past its headers', async () => {
    let pulled = 0;
    let finished = false;
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (function* () {
          try {
            for (;;) {
              pulled++;
              yield 'more ';
            }
          } finally {
            finished = true;
          }
        })();
      }),
    );
    const response = await httpRequest(server.url, { method: 'HEAD' });
    expect([response.status, response.body.length]).toEqual([200, 0]);
    expect(pulled).toBe(1);
    expect(finished).toBe(true);
  });

  it.each([
    ['204 No Content', []],
    ['304 Not Modified', [['ETag', '"v1"']]],
  ] as Array<[string, Array<[string, string]>]>)('sends %s with no body bytes', async (status, headers) => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse(status, headers);
        return [];
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(get());
    const response = await connection.response();
    expect(response.status).toBe(Number(status.slice(0, 3)));
    expect(response.header('Content-Length')).toBeUndefined();
    expect(response.header('Transfer-Encoding')).toBeUndefined();
    connection.write(get());
    expect((await connection.response()).status).toBe(Number(status.slice(0, 3)));
  });

  it('sends a 304 that keeps the Content-Length of the response it stands for, and no body', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('304 Not Modified', [['Content-Length', '1234']]);
        return [];
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(get());
    const response = await connection.response();
    expect([response.status, response.header('Content-Length')]).toEqual([304, '1234']);
    // not aborted for the missing 1234 bytes: the connection serves the next request
    connection.write(get());
    expect((await connection.response()).status).toBe(304);
    expect(connection.closed).toBe(false);
    expect(server.logs).toEqual([]);
  });
});

describe('when the headers go out', () => {
  it('lets the app call startResponse lazily, inside its iterator', async () => {
    const server = await startServer(
      validate((_environ, startResponse) =>
        (async function* () {
          await sleep(1);
          startResponse('201 Created', [...TEXT, ['X-Late', 'yes']]);
          yield 'made';
        })(),
      ),
    );
    const response = await rawRequest(server.port, get());
    expect([response.status, response.header('X-Late'), response.body.toString()]).toEqual([
      201,
      'yes',
      'made',
    ]);
  });

  it('does not send headers for empty chunks: the app may still replace them with the error argument', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', [...TEXT, ['X-First', 'yes']]);
        return (function* () {
          yield '';
          try {
            throw new Error('the template failed');
          } catch (error) {
            startResponse('503 Service Unavailable', [...TEXT, ['Retry-After', '5']], error);
          }
          yield 'try again later';
        })();
      }),
    );
    const response = await rawRequest(server.port, get());
    expect(response.status).toBe(503);
    expect(response.header('Retry-After')).toBe('5');
    expect(response.header('X-First')).toBeUndefined();
    expect(response.body.toString()).toBe('try again later');
  });
});

describe('app and body shapes', () => {
  it('serves an async app that returns a promise of its body', async () => {
    const server = await startServer(
      validate(async (_environ, startResponse) => {
        await sleep(1);
        startResponse('200 OK', TEXT);
        return ['later'];
      }),
    );
    const response = await rawRequest(server.port, get());
    expect([response.header('Content-Length'), response.body.toString()]).toEqual(['5', 'later']);
  });

  it('serves an async iterable body, awaiting between chunks', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (async function* () {
          for (const word of ['a', 'b', 'c']) {
            await sleep(1);
            yield word;
          }
        })();
      }),
    );
    const response = await rawRequest(server.port, get());
    expect([response.header('Transfer-Encoding'), response.body.toString()]).toEqual(['chunked', 'abc']);
  });

  it('serves a plain iterable object (not an array, not a generator)', async () => {
    const body: Body = {
      *[Symbol.iterator]() {
        yield 'it';
        yield 'erable';
      },
    };
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return body;
      }),
    );
    expect((await rawRequest(server.port, get())).body.toString()).toBe('iterable');
  });

  it('sends what the legacy write() wrote, before the returned body', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        const write = startResponse('200 OK', TEXT);
        write('written ');
        write(Buffer.from('bytes '));
        return ['then the body'];
      }),
    );
    const response = await rawRequest(server.port, get());
    // the headers went out with the first write(): the length was not known yet
    expect(response.header('Transfer-Encoding')).toBe('chunked');
    expect(response.body.toString()).toBe('written bytes then the body');
  });
});

// An app whose Content-Length does not match its body breaks the contract. Each case runs under
// validate() and bare (validate would otherwise be first to object, and this checks the
// server): either way the client never gets a response that looks whole.
describe.each([
  ['under validate()', true],
  ['bare (the server checks)', false],
])('an app whose Content-Length is wrong, %s', (_, validated) => {
  const withLength = (length: number, chunks: string[]): App => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [...TEXT, ['Content-Length', String(length)]]);
      return (function* () {
        yield* chunks;
      })();
    };
    return validated ? validate(app) : app;
  };

  it('is aborted when the body is shorter than its Content-Length', async () => {
    const server = await startServer(withLength(10, ['short']), { allowViolations: validated });
    const response = await rawRequest(server.port, get());
    expect(response.header('Content-Length')).toBe('10');
    expect(response.body.toString()).toBe('short');
    expect(response.complete).toBe(false);
    if (validated) expect(server.logs.join('')).toContain('content-length-short');
    await expect(httpRequest(server.url)).rejects.toThrow();
  });

  it('is aborted when a later chunk goes past its Content-Length', async () => {
    const server = await startServer(withLength(5, ['hel', 'lo world']), { allowViolations: validated });
    const response = await rawRequest(server.port, get());
    expect(response.header('Content-Length')).toBe('5');
    expect(response.body.toString()).toBe('hel');
    expect(response.complete).toBe(false);
    expect(server.logs.join('')).toMatch(
      validated ? /content-length-exceeded/ : /more than its Content-Length/,
    );
  });

  it('is never a whole response when the first chunk is already too long', async () => {
    const server = await startServer(withLength(5, ['hello world']), { allowViolations: validated });
    const connection = await RawConnection.open(server.port);
    connection.write(get());
    if (validated) {
      // the validator objects before the head goes out: a 500
      expect((await connection.response()).status).toBe(500);
    } else {
      // the server checks once it has accepted the head: an abort (node had not written the head yet)
      await connection.whenClosed;
      expect(parseResponse(connection.received, { closed: true })?.response.complete ?? false).toBe(false);
    }
    expect(connection.received.toString()).not.toContain('hello');
  });
});
