// The request body as serve() hands it to the app in tsgi.input: fixed-length and chunked,
// never more than CONTENT_LENGTH, 100-continue only when read, and limited in size.
import { type App, type Environ, Request, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

/** Reads the whole request body and answers `PATH_INFO:body`. */
const echoBody: App = async (environ, startResponse) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of environ['tsgi.input']) chunks.push(chunk);
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`${environ.PATH_INFO}:${Buffer.concat(chunks).toString()}`];
};

/** Answers without touching the request body. */
const ignoreBody: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`${environ.PATH_INFO}:unread`];
};

describe('reading the request body', () => {
  it('reads a fixed-length body', async () => {
    const server = await startServer(validate(echoBody));
    const response = await httpRequest(`${server.url}/fixed`, {
      method: 'POST',
      headers: { 'Content-Length': '11' },
      body: 'hello world',
    });
    expect(response.text).toBe('/fixed:hello world');
  });

  it('reads a chunked body, in chunks sent apart', async () => {
    const server = await startServer(validate(echoBody));
    const response = await httpRequest(`${server.url}/chunked`, {
      method: 'POST',
      body: ['one ', 'two ', 'three'],
    });
    expect(response.text).toBe('/chunked:one two three');
    const raw = await rawRequest(
      server.port,
      'POST /raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n',
    );
    expect(raw.body.toString()).toBe('/raw:abc0123456789');
  });

  it('reads a large body whole', async () => {
    const server = await startServer(validate(echoBody));
    const big = 'x'.repeat(3 * 1024 * 1024);
    const response = await httpRequest(`${server.url}/big`, { method: 'POST', body: big });
    expect(response.text).toBe(`/big:${big}`);
  });

  it('gives tsgi.input exactly CONTENT_LENGTH bytes: what follows is the next request', async () => {
    const server = await startServer(validate(echoBody));
    const connection = await RawConnection.open(server.port);
    connection.write(
      'POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
        'POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nbye',
    );
    expect((await connection.response()).body.toString()).toBe('/first:hello');
    expect((await connection.response()).body.toString()).toBe('/second:bye');
  });

  it('closes the connection with a 400 when the bytes after the body are not a request', async () => {
    const server = await startServer(validate(echoBody));
    const connection = await RawConnection.open(server.port);
    connection.write('POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloXXXX garbage\r\n\r\n');
    await connection.whenClosed;
    // node's parser refuses the garbage; the app saw only its own five bytes
    expect(connection.unread).toMatch(/HTTP\/1\.1 400 /);
    expect(server.environs.map((environ) => environ.PATH_INFO)).toEqual(['/first']);
  });

  it('never parses an unread body as a request (no smuggling through an app that ignores it)', async () => {
    const server = await startServer(validate(ignoreBody));
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const connection = await RawConnection.open(server.port);
    connection.write(
      `POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
    );
    expect((await connection.response()).body.toString()).toBe('/first:unread');
    connection.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).body.toString()).toBe('/next:unread');
    expect(server.environs.map((environ) => environ.PATH_INFO)).toEqual(['/first', '/next']);
  });

  it.each([
    ['fixed-length', 'Content-Length: 100\r\n\r\n0123456789'],
    ['chunked', 'Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n'],
  ])('makes reading a %s body cut short by the client throw, never end as if whole', async (_, rest) => {
    let outcome: Promise<string> | undefined;
    const server = await startServer(
      validate((environ, startResponse) => {
        outcome = (async () => {
          let got = 0;
          try {
            for await (const chunk of environ['tsgi.input']) got += chunk.byteLength;
            return `ended after ${got} bytes`;
          } catch {
            return `threw after ${got} bytes`;
          }
        })();
        return (async function* () {
          await outcome;
          if (environ['tsgi.signal'].aborted) return; // nobody to answer
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          yield 'never seen';
        })();
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(`POST / HTTP/1.1\r\nHost: x\r\n${rest}`);
    await expect.poll(() => outcome !== undefined).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    connection.destroy();
    expect(await outcome).toBe('threw after 10 bytes');
  });

  it('keeps the connection usable after an app read only part of the body', async () => {
    const firstChunkOnly: App = async (environ, startResponse) => {
      let first = '';
      for await (const chunk of environ['tsgi.input']) {
        first = Buffer.from(chunk).toString();
        break;
      }
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ.PATH_INFO}:${first}`];
    };
    const server = await startServer(validate(firstChunkOnly));
    const connection = await RawConnection.open(server.port);
    connection.write('POST /part HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    expect((await connection.response()).body.toString()).toBe('/part:abc');
    connection.write('3\r\ndef\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).body.toString()).toBe('/next:');
  });

  it.each([
    [
      'both Content-Length and Transfer-Encoding',
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two different Content-Lengths', 'Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
  ])('refuses a request with %s (a smuggling attempt) before the app runs', async (_, rest) => {
    const server = await startServer(validate(echoBody));
    const connection = await RawConnection.open(server.port);
    connection.write(`POST / HTTP/1.1\r\nHost: x\r\n${rest}`);
    expect((await connection.response()).status).toBe(400);
    await connection.whenClosed;
    expect(server.environs).toEqual([]);
  });
});

describe('Expect: 100-continue', () => {
  const head = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n';

  it('answers 100 Continue when the app reads tsgi.input, then reads the body', async () => {
    const server = await startServer(validate(echoBody));
    const connection = await RawConnection.open(server.port);
    connection.write(head);
    const interim = await connection.response();
    expect(interim.status).toBe(100);
    connection.write('hello');
    const response = await connection.response();
    expect([response.status, response.body.toString()]).toEqual([200, '/upload:hello']);
  });

  it('sends no 100 Continue when the app answers without reading', async () => {
    const refuse: App = (_environ, startResponse) => {
      startResponse('403 Forbidden', [['Content-Type', 'text/plain']]);
      return ['no uploads here'];
    };
    const server = await startServer(validate(refuse));
    const connection = await RawConnection.open(server.port);
    connection.write(head);
    const response = await connection.response();
    expect(response.status).toBe(403);
    expect(response.body.toString()).toBe('no uploads here');
    expect(connection.received.toString()).not.toContain('100 Continue');
  });

  it('works with node:http as the client', async () => {
    const server = await startServer(validate(echoBody));
    const response = await httpRequest(`${server.url}/upload`, {
      method: 'POST',
      headers: { Expect: '100-continue', 'Content-Length': '5' },
      body: 'hello',
    });
    expect(response.text).toBe('/upload:hello');
    expect(response.informational.map((info) => info.status)).toEqual([100]);
  });
});

describe('maxBodySize', () => {
  it('answers 413 for a Content-Length over the limit, before the app runs', async () => {
    const server = await startServer(validate(echoBody), { maxBodySize: 10 });
    const response = await rawRequest(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n',
    );
    expect(response.status).toBe(413);
    expect(response.body.toString()).toContain('The request body is larger than 10 bytes');
    expect(response.header('connection')).toBe('close');
    expect(server.environs).toEqual([]);
  });

  it('accepts a body of exactly the limit', async () => {
    const server = await startServer(validate(echoBody), { maxBodySize: 10 });
    const response = await httpRequest(`${server.url}/`, { method: 'POST', body: '0123456789' });
    expect(response.text).toBe('/:0123456789');
  });

  it('answers 413 when a chunked body grows over the limit while the app reads it', async () => {
    const server = await startServer(validate(echoBody), { maxBodySize: 10 });
    const response = await rawRequest(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n',
    );
    expect(response.status).toBe(413);
    expect(response.body.toString()).not.toContain('012345');
  });
});

// request.bytes() (and text/json/form) on node:http gathers the body with one promise, not one
// per chunk: the same guarantees must hold on that path (no validate(), which wraps tsgi.input).
describe('reading the whole body at once (request.bytes())', () => {
  const bytesEcho =
    (options?: { limit?: number; delay?: number }): App =>
    async (environ, startResponse) => {
      if (options?.delay) await new Promise((resolve) => setTimeout(resolve, options.delay));
      const body = await Request.of(environ).bytes(options);
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${environ.PATH_INFO}:${Buffer.from(body).toString()}`];
    };

  it('reads fixed-length, chunked and large bodies', async () => {
    const server = await startServer(bytesEcho());
    const fixed = await httpRequest(`${server.url}/fixed`, { method: 'POST', body: 'hello world' });
    expect(fixed.text).toBe('/fixed:hello world');
    const chunked = await httpRequest(`${server.url}/chunked`, {
      method: 'POST',
      body: ['one ', 'two ', 'three'],
    });
    expect(chunked.text).toBe('/chunked:one two three');
    const big = 'x'.repeat(900 * 1024);
    const large = await httpRequest(`${server.url}/big`, { method: 'POST', body: big });
    expect(large.text).toBe(`/big:${big}`);
  });

  it('reads a body that arrived in full before the app asked for it', async () => {
    const server = await startServer(bytesEcho({ delay: 30 }));
    const response = await rawRequest(
      server.port,
      'POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(response.body.toString()).toBe('/late:hello');
  });

  it('stops at the read limit with a 413, and at the server limit with its own 413', async () => {
    const server = await startServer(bytesEcho({ limit: 8 }), { maxBodySize: 10 });
    const chunked = (sizes: number[]) =>
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${sizes
        .map((size) => `${size.toString(16)}\r\n${'y'.repeat(size)}\r\n`)
        .join('')}0\r\n\r\n`;
    const overRead = await rawRequest(server.port, chunked([6, 3]));
    expect(overRead.status).toBe(413);
    expect(overRead.body.toString()).toContain('larger than the limit of 8 bytes');
    const overServer = await rawRequest(server.port, chunked([6, 6]));
    expect(overServer.status).toBe(413);
    expect(overServer.body.toString()).toContain('The request body is larger than 10 bytes');
    expect(overServer.body.toString()).not.toContain('yyyyyy');
  });

  const readers: [string, (environ: Environ) => Promise<number>][] = [
    ['request.bytes()', async (environ) => (await Request.of(environ).bytes()).byteLength],
    [
      'for await',
      async (environ) => {
        let got = 0;
        for await (const chunk of environ['tsgi.input']) got += chunk.byteLength;
        return got;
      },
    ],
  ];
  it.each(readers)('fails a %s read of a body cut short after the response went out', async (_, read) => {
    // node reports nothing on the request once its response is done: the reader hears the socket
    let outcome: Promise<string> | undefined;
    const server = await startServer((environ, startResponse) => {
      outcome = read(environ).then(
        (bytes) => `resolved with ${bytes} bytes`,
        () => 'rejected',
      );
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [];
    });
    const connection = await RawConnection.open(server.port);
    connection.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
    expect((await connection.response()).status).toBe(200);
    connection.destroy();
    expect(await outcome).toBe('rejected');
  });

  it.each(readers)(
    'refuses a %s read begun after the response ended: node:http discards that body',
    async (_, read) => {
      let outcome: Promise<string> | undefined;
      const server = await startServer((environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return (function* () {
          yield 'done';
          // runs when the server pulls past the last chunk, just before it ends the response
          setTimeout(() => {
            outcome = read(environ).then(
              (bytes) => `resolved with ${bytes} bytes`,
              (error: Error) => error.message,
            );
          }, 20);
        })();
      });
      const connection = await RawConnection.open(server.port);
      connection.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234');
      expect((await connection.response()).body.toString()).toBe('done');
      connection.write('56789');
      await expect.poll(() => outcome !== undefined).toBe(true);
      expect(await outcome).toBe('The request body was read after the response ended');
    },
  );

  it.each([
    ...readers.map(([name, read]) => [name, 'part of', read] as const),
    ...readers.map(([name, read]) => [name, 'all of', read] as const),
  ])('fails a %s read begun after the client left, with %s the body sent', async (_, part, read) => {
    let outcome: Promise<string> | undefined;
    const server = await startServer(async (environ, startResponse) => {
      const signal = environ['tsgi.signal'];
      await new Promise((resolve) =>
        signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve),
      );
      outcome = read(environ).then(
        (bytes) => `resolved with ${bytes} bytes`,
        () => 'rejected',
      );
      await outcome.catch(() => {});
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [];
    });
    const connection = await RawConnection.open(server.port);
    const length = part === 'all of' ? 10 : 100;
    connection.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n0123456789`);
    await expect.poll(() => server.environs.length).toBe(1);
    connection.destroy();
    await expect.poll(() => outcome !== undefined).toBe(true);
    expect(await outcome).toBe('rejected');
  });

  it.each(readers)(
    'fails a pipelined %s read cut short, while an earlier request also read',
    async (_, read) => {
      const outcomes: Record<string, string> = {};
      const server = await startServer(async (environ, startResponse) => {
        const path = environ.PATH_INFO;
        // the first request reads after the second began reading, and finishes first
        if (path === '/one') await new Promise((resolve) => setTimeout(resolve, 30));
        outcomes[path] = 'pending';
        outcomes[path] = await read(environ).then(
          (bytes) => `resolved with ${bytes} bytes`,
          () => 'rejected',
        );
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return [];
      });
      const connection = await RawConnection.open(server.port);
      connection.write(
        'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
          'POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789',
      );
      await expect.poll(() => outcomes['/one']).toBe('resolved with 5 bytes');
      connection.destroy();
      await expect.poll(() => outcomes['/two']).toBe('rejected');
    },
  );

  it('refuses to read tsgi.input a second time, rather than give what is left as the body', async () => {
    const server = await startServer(async (environ, startResponse) => {
      const body = await Request.of(environ).bytes();
      let second: string;
      try {
        for await (const _chunk of environ['tsgi.input']) break;
        second = 'read again';
      } catch (error) {
        second = (error as Error).message;
      }
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${Buffer.from(body).toString()} / ${second}`];
    });
    const response = await httpRequest(`${server.url}/`, { method: 'POST', body: 'hello' });
    expect(response.text).toBe('hello / tsgi.input is read once, and it was read already');
  });

  it('answers 100 Continue when the app reads, then reads the body', async () => {
    const server = await startServer(bytesEcho());
    const connection = await RawConnection.open(server.port);
    connection.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    expect((await connection.response()).status).toBe(100);
    connection.write('hello');
    const response = await connection.response();
    expect([response.status, response.body.toString()]).toEqual([200, '/upload:hello']);
  });
});
