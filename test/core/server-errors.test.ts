// Errors: before the headers they become a response (500 without details, or the thrown
// HTTPError); after, an aborted connection. Apps that break the startResponse rules get a
// 500, and nothing they tried to inject reaches the wire.
import { type App, type HeaderList, MethodNotAllowed, NotFound, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: HeaderList = [['Content-Type', 'text/plain']];
const GET = 'GET /page HTTP/1.1\r\nHost: x\r\n\r\n';

describe('an error before the headers went out', () => {
  const secret = 'db password is hunter2';

  it.each<[string, App]>([
    [
      'thrown by the app',
      () => {
        throw new Error(secret);
      },
    ],
    [
      'rejected by an async app',
      async () => {
        throw new Error(secret);
      },
    ],
    [
      'thrown by the body before its first chunk',
      (_environ, startResponse) => {
        startResponse('200 OK', [...TEXT, ['X-Never', 'sent']]);
        // biome-ignore lint/correctness/useYield: it throws on the first pull, on purpose
        return (function* () {
          throw new Error(secret);
        })();
      },
    ],
  ])('is a 500 with no details when %s; the details go to tsgi.errors', async (_, app) => {
    const server = await startServer(validate(app));
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(response.header('X-Never')).toBeUndefined();
    expect(response.raw.toString()).not.toContain('hunter2');
    expect(response.body.toString()).toMatch(/^<!doctype html>|Internal Server Error/i);
    expect(server.logs.join('')).toContain(secret);
    expect(server.logs.join('')).toContain('GET "/page"');
  });

  it('renders a thrown HTTPError with its status and headers, and does not log it', async () => {
    const server = await startServer(
      validate((environ) => {
        if (environ.REQUEST_METHOD === 'POST') throw new MethodNotAllowed(['GET', 'HEAD']);
        throw new NotFound();
      }),
    );
    const missing = await httpRequest(`${server.url}/nowhere`);
    expect(missing.status).toBe(404);
    const wrongMethod = await httpRequest(`${server.url}/page`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    expect(server.logs).toEqual([]);
  });

  it('renders an HTTPError thrown by the body before its first chunk', async () => {
    const server = await startServer(
      validate((_environ, startResponse) =>
        (async function* () {
          yield '';
          startResponse('200 OK', TEXT);
          throw new NotFound();
        })(),
      ),
    );
    expect((await httpRequest(`${server.url}/x`)).status).toBe(404);
  });
});

describe('an error after the headers went out', () => {
  const failsMidway =
    (headers: HeaderList): App =>
    (_environ, startResponse) => {
      startResponse('200 OK', headers);
      return (async function* () {
        yield 'first part, ';
        throw new Error('the database went away');
      })();
    };

  it('aborts a chunked response: no terminating 0-chunk, the connection closed', async () => {
    const server = await startServer(validate(failsMidway(TEXT)));
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    const response = await connection.response();
    expect(connection.closed).toBe(true);
    expect(response.status).toBe(200);
    expect(response.header('Transfer-Encoding')).toBe('chunked');
    expect(response.body.toString()).toBe('first part, ');
    expect(response.complete).toBe(false);
    expect(response.raw.toString()).not.toContain('\r\n0\r\n\r\n');
    expect(server.logs.join('')).toContain('the database went away');
  });

  it('aborts a Content-Length response short of its length', async () => {
    const server = await startServer(validate(failsMidway([...TEXT, ['Content-Length', '100']])));
    const response = await rawRequest(server.port, GET);
    expect(response.header('Content-Length')).toBe('100');
    expect(response.body.toString()).toBe('first part, ');
    expect(response.complete).toBe(false);
  });

  it("is an error in node's HTTP client, never a response that looks whole", async () => {
    const server = await startServer(validate(failsMidway(TEXT)));
    await expect(httpRequest(`${server.url}/page`)).rejects.toThrow();
  });

  it('aborts when the app calls startResponse with an error after the headers went out (it re-throws)', async () => {
    const server = await startServer(
      validate((_environ, startResponse) => {
        startResponse('200 OK', TEXT);
        return (function* () {
          yield 'partial';
          startResponse('500 Internal Server Error', TEXT, new Error('too late to change'));
          yield 'never sent';
        })();
      }),
    );
    const response = await rawRequest(server.port, GET);
    expect([response.status, response.body.toString(), response.complete]).toEqual([200, 'partial', false]);
    expect(server.logs.join('')).toContain('too late to change');
  });
});

// Apps that break the contract. Each runs twice: under validate(), which throws first (the
// rule it names goes to tsgi.errors), and bare, so that the server's own checks are the ones
// tested. Either way the client gets a clean 500 and nothing the app tried to send.
describe.each([
  ['under validate()', true],
  ['bare (the server checks)', false],
])('an app that breaks the startResponse rules, %s', (_, validated) => {
  async function serveBroken(app: App) {
    return startServer(validated ? validate(app) : app, { allowViolations: validated });
  }

  const withHeaders =
    (headers: HeaderList): App =>
    (_environ, startResponse) => {
      startResponse('200 OK', headers);
      return ['body'];
    };

  it.each<[string, HeaderList]>([
    ['CR LF in a value', [['X-A', 'v\r\nSet-Cookie: evil=1']]],
    ['a bare LF in a value', [['X-A', 'v\nSet-Cookie: evil=1']]],
    ['a bare CR in a value', [['X-A', 'v\rSet-Cookie: evil=1']]],
    ['NUL in a value', [['X-A', 'v\0evil']]],
    ['CR LF in a name', [['X-A: v\r\nSet-Cookie', 'evil=1']]],
    ['a space in a name', [['Set-Cookie evil', '1']]],
    ['a colon in a name', [['X-A:evil', '1']]],
    ['an empty name', [['', 'evil']]],
    ['a character outside Latin-1 in a value', [['X-A', 'evil €']]],
  ])('answers 500 for %s, and injects nothing', async (_rule, headers) => {
    const server = await serveBroken(withHeaders([...TEXT, ...headers]));
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toMatch(/evil|X-A/);
  });

  it.each([
    'Connection',
    'Keep-Alive',
    'Transfer-Encoding',
    'Upgrade',
    'TE',
    'Trailer',
    'Proxy-Authenticate',
  ])('answers 500 for the hop-by-hop header %s', async (name) => {
    const server = await serveBroken(withHeaders([...TEXT, [name, 'evil']]));
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toContain('evil');
  });

  it.each([
    ['no reason', '200'],
    ['no space', '200OK'],
    ['four digits', '2000 OK'],
    ['a leading space', ' 200 OK'],
    ['letters for the code', 'abc OK'],
    ['a code out of range', '999 Nope'],
    ['CR LF in the reason', '200 OK\r\nSet-Cookie: evil=1'],
    ['a control character in the reason', '200 O\u0001K'],
    ['a number instead of a string', 200 as unknown as string],
  ])('answers 500 for a status with %s', async (_what, status) => {
    const server = await serveBroken((_environ, startResponse) => {
      startResponse(status, TEXT);
      return ['body'];
    });
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toContain('evil');
  });

  it.each<[string, string, HeaderList]>([
    // two lengths let a proxy in front and the client disagree on where the response ends
    ['two Content-Length headers', '200 OK', [...TEXT, ['Content-Length', '4'], ['content-length', '40']]],
    ['a Status header', '200 OK', [...TEXT, ['Status', '302 Found']]],
    ['a Content-Length on a 204', '204 No Content', [['Content-Length', '4']]],
  ])('answers 500 for %s', async (_what, status, headers) => {
    const server = await serveBroken((_environ, startResponse) => {
      startResponse(status, headers);
      return status.startsWith('204') ? [] : ['body'];
    });
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(response.raw.toString('latin1')).not.toMatch(/Status: 302|Content-Length: 40/i);
  });

  it('answers 500 when startResponse is called a second time without an error', async () => {
    const server = await serveBroken((_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      startResponse('201 Created', TEXT);
      return ['body'];
    });
    const response = await rawRequest(server.port, GET);
    expect(response.status).toBe(500);
    expect(server.logs.join('')).toMatch(validated ? /start-response-twice/ : /second time/);
  });
});
