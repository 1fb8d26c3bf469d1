// The environ serve() builds from what arrives on the socket: paths, query strings, headers.
import { type App, type Environ, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw.js';
import { startServer, stopAll, type TestServer } from '../helpers/server.js';

afterEach(stopAll);

/** The CGI keys and tsgi.raw_uri of an environ: everything that is a string. */
type Seen = Record<string, string>;

/** Answers with JSON of the string-valued keys of its environ. */
const echoEnviron: App = (environ, startResponse) => {
  const seen: Seen = {};
  for (const [key, value] of Object.entries(environ)) if (typeof value === 'string') seen[key] = value;
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(seen)];
};

async function echoServer(): Promise<TestServer> {
  return startServer(validate(echoEnviron));
}

/** What the app saw for a request written as raw bytes (`head` is the request line and headers). */
async function seenRaw(server: TestServer, head: string): Promise<Seen> {
  const response = await rawRequest(server.port, `${head}\r\n\r\n`);
  expect(response.status, response.body.toString()).toBe(200);
  return JSON.parse(response.body.toString()) as Seen;
}

describe('the request line', () => {
  it('percent-decodes PATH_INFO as UTF-8 and keeps the raw target in tsgi.raw_uri', async () => {
    const server = await echoServer();
    const seen = await seenRaw(server, 'GET /caf%C3%A9/a%2Fb%20c?q=%2F HTTP/1.1\r\nHost: x');
    expect(seen.PATH_INFO).toBe('/café/a/b c');
    expect(seen.SCRIPT_NAME).toBe('');
    // decoding loses the difference between %2F and /: the raw form keeps it
    expect(seen['tsgi.raw_uri']).toBe('/caf%C3%A9/a%2Fb%20c?q=%2F');
  });

  it.each([
    ['an invalid UTF-8 byte', '/%FF'],
    ['an overlong encoding of /', '/%C0%AFetc%C0%AFpasswd'],
    ['a truncated sequence', '/caf%C3'],
    ['a broken escape', '/%zz'],
    ['an encoded NUL', '/a%00b'],
  ])('answers 400 for a path with %s, before the app runs', async (_, path) => {
    const server = await echoServer();
    const response = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(response.status).toBe(400);
    // the same page a thrown BadRequest renders, and the connection closes (a body may be unread)
    expect(response.header('content-type')).toBe('text/html; charset=utf-8');
    expect(response.body.toString()).toContain('<h1>400 Bad Request</h1>');
    expect(response.header('connection')).toBe('close');
    expect(server.environs).toEqual([]);
  });

  it('answers a refused request in JSON when the client prefers it, like a thrown HTTPError', async () => {
    const server = await echoServer();
    const response = await rawRequest(
      server.port,
      'GET /%FF HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(response.header('vary')).toBe('Accept');
    expect(JSON.parse(response.body.toString())).toEqual({
      error: { status: 400, message: 'The request path is not valid percent-encoded UTF-8' },
    });
  });

  it('passes QUERY_STRING raw, not decoded', async () => {
    const server = await echoServer();
    const seen = await seenRaw(server, 'GET /s?a=1&b=%20x+y&a=%E2%82%AC HTTP/1.1\r\nHost: x');
    expect(seen.QUERY_STRING).toBe('a=1&b=%20x+y&a=%E2%82%AC');
    expect(seen.PATH_INFO).toBe('/s');
  });

  it("gives an empty QUERY_STRING for no '?' and for a bare '?'", async () => {
    const server = await echoServer();
    expect((await seenRaw(server, 'GET /s HTTP/1.1\r\nHost: x')).QUERY_STRING).toBe('');
    const bare = await seenRaw(server, 'GET /s? HTTP/1.1\r\nHost: x');
    expect([bare.QUERY_STRING, bare['tsgi.raw_uri']]).toEqual(['', '/s?']);
  });

  it('fills the server and client keys', async () => {
    const server = await echoServer();
    const seen = await seenRaw(server, 'PATCH /x HTTP/1.0\r\nHost: x');
    expect(seen).toMatchObject({
      REQUEST_METHOD: 'PATCH',
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(server.port),
      SERVER_PROTOCOL: 'HTTP/1.0',
      REMOTE_ADDR: '127.0.0.1',
      'tsgi.url_scheme': 'http',
    });
    expect(seen.REMOTE_PORT).toMatch(/^\d+$/);
    const environ = server.environs[0] as Environ;
    expect(environ['tsgi.version']).toEqual([1, 0]);
    expect([environ['tsgi.multithread'], environ['tsgi.multiprocess'], environ['tsgi.run_once']]).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('request headers', () => {
  it('maps headers to HTTP_* keys, upper-cased with - turned into _', async () => {
    const server = await echoServer();
    const seen = await seenRaw(
      server,
      'GET / HTTP/1.1\r\nHost: example.test\r\nx-request-id: abc\r\nAccept: */*',
    );
    expect(seen).toMatchObject({ HTTP_HOST: 'example.test', HTTP_X_REQUEST_ID: 'abc', HTTP_ACCEPT: '*/*' });
  });

  it("joins repeated headers with ', ', and Cookie with '; ', from the raw header list", async () => {
    const server = await echoServer();
    const seen = await seenRaw(
      server,
      [
        'GET / HTTP/1.1',
        'Host: x',
        'X-Forwarded-For: 10.0.0.1',
        'Cookie: a=1',
        'Accept: text/html',
        'X-Forwarded-For: 10.0.0.2',
        'Cookie: b=2',
        'Accept: */*',
        // node's req.headers keeps only the first User-Agent: only the raw list has both
        'User-Agent: first',
        'User-Agent: second',
      ].join('\r\n'),
    );
    expect(seen.HTTP_X_FORWARDED_FOR).toBe('10.0.0.1, 10.0.0.2');
    expect(seen.HTTP_COOKIE).toBe('a=1; b=2');
    expect(seen.HTTP_ACCEPT).toBe('text/html, */*');
    expect(seen.HTTP_USER_AGENT).toBe('first, second');
  });

  it('drops a header whose name has an underscore, so that it cannot pose as its dashed twin', async () => {
    const server = await echoServer();
    const both = await seenRaw(
      server,
      'GET / HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 10.0.0.1',
    );
    expect(both.HTTP_X_FORWARDED_FOR).toBe('10.0.0.1');
    const alone = await seenRaw(
      server,
      'GET / HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nX_Custom: 1',
    );
    expect(Object.keys(alone).filter((key) => key.startsWith('HTTP_'))).toEqual(['HTTP_HOST']);
    expect(Object.values(alone)).not.toContain('6.6.6.6');
  });

  it('sets CONTENT_TYPE and CONTENT_LENGTH only when the request has them, never as HTTP_*', async () => {
    const server = await echoServer();
    const bare = await seenRaw(server, 'GET / HTTP/1.1\r\nHost: x');
    expect(Object.keys(bare)).not.toContain('CONTENT_TYPE');
    expect(Object.keys(bare)).not.toContain('CONTENT_LENGTH');
    const post = await httpRequest(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'Content-Length': '2' },
      body: 'hi',
    });
    const seen = JSON.parse(post.text) as Seen;
    expect(seen).toMatchObject({ CONTENT_TYPE: 'text/plain', CONTENT_LENGTH: '2' });
    expect(Object.keys(seen)).not.toContain('HTTP_CONTENT_TYPE');
    expect(Object.keys(seen)).not.toContain('HTTP_CONTENT_LENGTH');
  });

  it('leaves CONTENT_LENGTH out of a chunked request', async () => {
    const server = await echoServer();
    const seen = await seenRaw(
      server,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n0',
    );
    expect(seen.CONTENT_TYPE).toBe('text/plain');
    expect(Object.keys(seen)).not.toContain('CONTENT_LENGTH');
  });
});
