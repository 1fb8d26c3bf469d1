import {
  BadRequest,
  ContentTooLarge,
  type Environ,
  type EnvironInit,
  type HeaderList,
  handler,
  Request,
  Response,
  serve,
  UnsupportedMediaType,
} from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The environ of a request to example.com (mockEnviron's, in this file's terms), with a body from these chunks. */
function environ(
  init: Partial<
    Pick<EnvironInit, 'method' | 'target' | 'rawHeaders' | 'input' | 'scheme' | 'serverName' | 'serverPort'>
  > & {
    body?: Array<string | Uint8Array>;
  } = {},
): Environ {
  const {
    body = [],
    rawHeaders = ['Host', 'example.com'],
    scheme = 'http',
    serverName = 'example.com',
  } = init;
  const headers: HeaderList = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  const port = init.serverPort === undefined ? '' : `:${init.serverPort}`;
  return mockEnviron({
    method: init.method ?? 'GET',
    url: `${scheme}://${serverName}${port}${init.target ?? '/'}`,
    headers,
    input:
      init.input ??
      (async function* () {
        for (const chunk of body) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      })(),
    // the Host header is the one given, if any: not the URL's
    environ: headers.some(([name]) => name.toLowerCase() === 'host') ? {} : { HTTP_HOST: undefined },
  });
}

/** A body that counts the chunks pulled from it and never ends. */
function endlessInput(): { input: AsyncIterable<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  return {
    input: (async function* () {
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
      }
    })(),
    pulled: () => pulled,
  };
}

function post(contentType: string, body: string | Uint8Array, extra: string[] = []): Environ {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return environ({
    method: 'POST',
    rawHeaders: [
      'Host',
      'example.com',
      'Content-Type',
      contentType,
      'Content-Length',
      String(length),
      ...extra,
    ],
    body: [body],
  });
}

describe('Request: the request line', () => {
  it('exposes method, paths and the parsed query', () => {
    const env = environ({ method: 'DELETE', target: '/users/caf%C3%A9?tag=a&tag=b&q=x%20y' });
    env.SCRIPT_NAME = '/api';
    const request = new Request(env);
    expect(request.method).toBe('DELETE');
    expect(request.scriptName).toBe('/api');
    expect(request.pathInfo).toBe('/users/café');
    expect(request.path).toBe('/api/users/café');
    expect(request.query.getAll('tag')).toEqual(['a', 'b']);
    expect(request.query.get('q')).toBe('x y');
  });

  it('gives "/" as the path of a request for the root of an unmounted app', () => {
    const env = environ();
    env.PATH_INFO = '';
    expect(new Request(env).path).toBe('/');
  });

  it('rebuilds the absolute URL from Host, the mount point and the raw query', () => {
    const env = environ({
      target: '/a%20b/c?x=1%2B1',
      rawHeaders: ['Host', 'shop.example:8443'],
      scheme: 'https',
    });
    env.SCRIPT_NAME = '/shop';
    const url = new Request(env).url;
    expect(url.href).toBe('https://shop.example:8443/shop/a%20b/c?x=1%2B1');
    expect(url.searchParams.get('x')).toBe('1+1');
  });

  it('falls back to SERVER_NAME and leaves out the default port', () => {
    const noHost = (scheme: 'http' | 'https', port: string) =>
      new Request(environ({ rawHeaders: [], scheme, serverName: 'internal', serverPort: port })).url.href;
    expect(noHost('http', '80')).toBe('http://internal/');
    expect(noHost('https', '443')).toBe('https://internal/');
    expect(noHost('http', '8080')).toBe('http://internal:8080/');
  });

  it('refuses a Host header that would steer the URL elsewhere', () => {
    for (const host of ['evil.example/path', 'user@evil.example', 'a b', 'example.com:80:80']) {
      const request = new Request(environ({ rawHeaders: ['Host', host] }));
      expect(() => request.url, host).toThrow(BadRequest);
    }
    expect(new Request(environ({ rawHeaders: ['Host', '[::1]:8000'] })).url.port).toBe('8000');
  });

  it('is one shared Request per environ through Request.of', () => {
    const env = environ();
    expect(Request.of(env)).toBe(Request.of(env));
    expect(Request.of(env)).not.toBe(Request.of(environ()));
  });

  it('gives a copy of the environ (a mount) its own Request, and works on a frozen environ', () => {
    const env = environ({ target: '/app/page' });
    const outer = Request.of(env);
    const mounted = { ...env, SCRIPT_NAME: '/app', PATH_INFO: '/page' };
    expect(Request.of(mounted)).not.toBe(outer);
    expect(Request.of(mounted).scriptName).toBe('/app');
    expect(Request.of(env)).toBe(outer);
    expect(Request.of(Object.freeze(environ({ method: 'PUT' }))).method).toBe('PUT');
  });

  it('makes a Request per call for an environ that cannot keep one, and never throws for it', () => {
    for (const lock of [Object.freeze, Object.seal, Object.preventExtensions]) {
      const env = lock(environ({ target: '/locked?x=1' }));
      const first = Request.of(env);
      expect(first.environ).toBe(env);
      expect(first.query.get('x')).toBe('1');
      expect(Request.of(env)).not.toBe(first); // not shared, but each one is right
      expect(Request.of(env).path).toBe('/locked');
    }
  });
});

describe('Request: headers and cookies', () => {
  const env = environ({
    rawHeaders: [
      'Host',
      'example.com',
      'Accept',
      'text/html',
      'accept',
      'application/json',
      'Content-Type',
      'text/plain',
      'Cookie',
      'theme=dark; name=J%C3%BCrgen',
      'Cookie',
      'lang=en',
    ],
  });
  const request = new Request(env);

  it('reads headers case-insensitively, repeated ones joined', () => {
    expect(request.headers.get('ACCEPT')).toBe('text/html, application/json');
    expect(request.headers.get('content-type')).toBe('text/plain');
    expect(request.headers.has('Host')).toBe(true);
    expect(request.headers.get('X-Missing')).toBeUndefined();
  });

  it('lists headers with their HTTP names', () => {
    expect(Object.fromEntries(request.headers)).toEqual({
      host: 'example.com',
      accept: 'text/html, application/json',
      'content-type': 'text/plain',
      cookie: 'theme=dark; name=J%C3%BCrgen; lang=en',
    });
  });

  it('never answers for a name spelled with "_", which could pose as one with "-"', () => {
    const spoof = new Request(environ({ rawHeaders: ['X-Forwarded-For', '10.0.0.1'] }));
    expect(spoof.headers.get('x-forwarded-for')).toBe('10.0.0.1');
    expect(spoof.headers.get('x_forwarded_for')).toBeUndefined();
  });

  it('parses cookies from every Cookie header, decoding values', () => {
    expect(request.cookies).toMatchObject({ theme: 'dark', name: 'Jürgen', lang: 'en' });
    expect(new Request(environ()).cookies).toEqual({});
  });

  it('parses the media type out of Content-Type', () => {
    const typed = new Request(post('Application/JSON; charset=utf-8', '{}'));
    expect(typed.contentType).toBe('Application/JSON; charset=utf-8');
    expect(typed.mediaType).toBe('application/json');
    expect(typed.contentLength).toBe(2);
    expect(new Request(environ()).mediaType).toBe('');
  });
});

describe('createEnviron: header names in any case', () => {
  // the common names have a fast path of their own: every spelling must land on the same key
  it.each([
    ['Host', 'HTTP_HOST'],
    ['Accept', 'HTTP_ACCEPT'],
    ['Cookie', 'HTTP_COOKIE'],
    ['Origin', 'HTTP_ORIGIN'],
    ['Referer', 'HTTP_REFERER'],
    ['User-Agent', 'HTTP_USER_AGENT'],
    ['Connection', 'HTTP_CONNECTION'],
    ['Content-Type', 'CONTENT_TYPE'],
    ['Content-Length', 'CONTENT_LENGTH'],
    ['Accept-Encoding', 'HTTP_ACCEPT_ENCODING'],
    ['Accept-Language', 'HTTP_ACCEPT_LANGUAGE'],
    ['X-Request-Id', 'HTTP_X_REQUEST_ID'],
  ])('%s → %s', (name, key) => {
    for (const spelling of [name, name.toLowerCase(), name.toUpperCase()]) {
      const env = environ({ rawHeaders: [spelling, '7'] });
      expect(env[key]).toBe('7');
    }
    // two spellings of one name are one header: joined, or for the body's length and type a
    // conflict, and for Host a 400 whatever the values (RFC 9112 §3.2)
    const twice = () => environ({ rawHeaders: [name, '7', name.toLowerCase(), '8'] });
    if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH' || key === 'HTTP_HOST')
      expect(twice).toThrow(BadRequest);
    else expect(twice()[key]).toBe(key === 'HTTP_COOKIE' ? '7; 8' : '7, 8');
  });
});

describe('Request: reading the body', () => {
  it('returns the same bytes on a second read, and to a second reader', async () => {
    const env = post('text/plain', 'hello');
    const request = Request.of(env);
    expect(await request.text()).toBe('hello');
    expect(await request.text()).toBe('hello');
    // a router's copy of the environ shares the body that was already read
    expect(new TextDecoder().decode(await new Request({ ...env }).bytes())).toBe('hello');
  });

  it('joins a body that arrives in chunks', async () => {
    const env = environ({ method: 'POST', body: ['hel', 'lo ', new TextEncoder().encode('wörld')] });
    expect(await new Request(env).text()).toBe('hello wörld');
  });

  it('decodes text in the charset of its Content-Type', async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1
    expect(await new Request(post('text/plain; charset=iso-8859-1', latin1)).text()).toBe('café');
    await expect(new Request(post('text/plain; charset=klingon', 'x')).text()).rejects.toThrow(
      UnsupportedMediaType,
    );
  });

  it('refuses a declared Content-Length over the limit without reading a byte', async () => {
    const { input, pulled } = endlessInput();
    const env = environ({ method: 'POST', rawHeaders: ['Content-Length', '5000'], input });
    const error = await new Request(env).bytes({ limit: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentTooLarge);
    expect((error as ContentTooLarge).status).toBe(413);
    expect(pulled()).toBe(0);
  });

  it('refuses unread exactly when Number(CONTENT_LENGTH) is over the limit, whatever its spelling', async () => {
    const spelled = fc.oneof(
      fc.nat({ max: 10_000 }).map(String),
      fc.tuple(fc.nat({ max: 6 }), fc.nat({ max: 10_000 })).map(([zeros, n]) => '0'.repeat(zeros) + n),
      fc.stringMatching(/^[0-9]{14,18}$/),
      fc.constantFrom('', ' 5000', '5000 ', '+5000', '1e9', '4e3', '0x2000', '5000.5', 'Infinity', '-1'),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(spelled, async (length) => {
        const { input, pulled } = endlessInput();
        const env = environ({ method: 'POST', input });
        env.CONTENT_LENGTH = length;
        await expect(new Request(env).bytes({ limit: 4096 })).rejects.toThrow(ContentTooLarge);
        expect(pulled() === 0).toBe(Number(length) > 4096);
      }),
      { numRuns: 300 },
    );
  });

  it('stops reading as soon as a body of unknown length crosses the limit', async () => {
    const { input, pulled } = endlessInput();
    const env = environ({ method: 'POST', rawHeaders: ['Transfer-Encoding', 'chunked'], input });
    await expect(new Request(env).bytes({ limit: 10 * 1024 })).rejects.toThrow(/limit of 10240 bytes/);
    expect(pulled()).toBe(11); // 11 chunks of 1 KiB cross 10 KiB; the endless rest is never pulled
    // the body cannot be read again: the same refusal, not a silently truncated body
    await expect(new Request(env).text({ limit: 1e9 })).rejects.toThrow(ContentTooLarge);
  });

  it('applies a lower limit to a body already read under a higher one', async () => {
    const env = post('text/plain', 'x'.repeat(100));
    const request = new Request(env);
    expect((await request.text()).length).toBe(100);
    await expect(request.text({ limit: 99 })).rejects.toThrow(ContentTooLarge);
  });

  it('reads a frozen input once, and every reader gets the same bytes', async () => {
    // the read cannot be kept on a frozen input: it is kept aside, and still only one read is made
    let iterations = 0;
    const input = Object.freeze({
      async *[Symbol.asyncIterator]() {
        iterations++;
        yield new TextEncoder().encode('frozen body');
      },
    });
    const env = environ({ method: 'POST', input });
    expect(await new Request(env).text()).toBe('frozen body');
    expect(await new Request({ ...env }).text()).toBe('frozen body');
    expect(await Request.of(env).bytes()).toEqual(new TextEncoder().encode('frozen body'));
    expect(iterations).toBe(1);
    // an input frozen after its read keeps it too
    const later = environ({ method: 'POST', body: ['read, then frozen'] });
    expect(await new Request(later).text()).toBe('read, then frozen');
    Object.freeze(later['tsgi.input']);
    expect(await new Request(later).text()).toBe('read, then frozen');
  });

  it('has a default limit of 1 MiB', async () => {
    const big = new Uint8Array(1024 * 1024 + 1);
    await expect(new Request(post('application/octet-stream', big)).bytes()).rejects.toThrow(ContentTooLarge);
    const exact = new Uint8Array(1024 * 1024);
    expect((await new Request(post('application/octet-stream', exact)).bytes()).byteLength).toBe(1024 * 1024);
  });

  it('rejects a nonsensical limit', async () => {
    await expect(new Request(post('text/plain', 'x')).text({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(new Request(post('text/plain', 'x')).bytes({ limit: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('Request: json()', () => {
  it('parses application/json and the +json types', async () => {
    expect(await new Request(post('application/json', '{"a":[1,2]}')).json()).toEqual({ a: [1, 2] });
    const problem = await new Request(post('application/problem+json', '{"title":"x"}')).json<{
      title: string;
    }>();
    expect(problem.title).toBe('x');
  });

  it('refuses another content type with a 415, before reading the body', async () => {
    const { input, pulled } = endlessInput();
    const env = environ({ method: 'POST', rawHeaders: ['Content-Type', 'text/plain;charset=UTF-8'], input });
    const error = await new Request(env).json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedMediaType);
    expect((error as Error).message).toMatch(/application\/json.*text\/plain/);
    expect(pulled()).toBe(0);
    await expect(new Request(environ({ method: 'POST', body: ['{}'] })).json()).rejects.toThrow(
      /no Content-Type/,
    );
  });

  it('answers malformed JSON with a 400 that says what is wrong', async () => {
    const error = await new Request(post('application/json', '{"a": }')).json().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect((error as Error).message).toMatch(/^Invalid JSON: /);
    await expect(new Request(post('application/json', '')).json()).rejects.toThrow(
      'Invalid JSON: the body is empty',
    );
    const notUtf8 = new Uint8Array([0x22, 0xff, 0x22]);
    await expect(new Request(post('application/json', notUtf8)).json()).rejects.toThrow(/not valid UTF-8/);
  });

  it('parses again from the same bytes on a second read', async () => {
    const request = new Request(post('application/json', '{"n":1}'));
    const first = await request.json<{ n: number }>();
    first.n = 2; // the caller's copy: a second reader still sees the request as sent
    expect(await request.json()).toEqual({ n: 1 });
  });
});

describe('Request: form()', () => {
  it('parses an urlencoded form', async () => {
    const form = await new Request(
      post('application/x-www-form-urlencoded', 'name=J%C3%BCrgen&tag=a&tag=b+c'),
    ).form();
    expect(form.get('name')).toBe('Jürgen');
    expect(form.getAll('tag')).toEqual(['a', 'b c']);
  });

  it('parses a multipart upload as a browser sends it, files as Files', async () => {
    const sent = new FormData();
    sent.append('title', 'Holiday ☀');
    sent.append(
      'photo',
      new File([new Uint8Array([0, 255, 1, 254])], 'beach <1>.png', { type: 'image/png' }),
    );
    sent.append('notes', new File(['a\r\n--not-a-boundary\r\n'], 'notes.txt', { type: 'text/plain' }));
    // serialize it the way fetch does (boundary and all)
    const wire = new globalThis.Request('http://x/', { method: 'POST', body: sent });
    const body = new Uint8Array(await wire.arrayBuffer());
    const form = await new Request(post(wire.headers.get('content-type') as string, body)).form();
    expect(form.get('title')).toBe('Holiday ☀');
    const photo = form.get('photo') as File;
    expect(photo).toBeInstanceOf(File);
    expect([photo.name, photo.type]).toEqual(['beach <1>.png', 'image/png']);
    expect([...new Uint8Array(await photo.arrayBuffer())]).toEqual([0, 255, 1, 254]);
    expect(await (form.get('notes') as File).text()).toBe('a\r\n--not-a-boundary\r\n');
  });

  it('parses a hand-written multipart body (as curl -F sends it)', async () => {
    const body = [
      '--------------------------abc123',
      'Content-Disposition: form-data; name="user"',
      '',
      'ada',
      '--------------------------abc123',
      'Content-Disposition: form-data; name="file"; filename="hello.txt"',
      'Content-Type: text/plain',
      '',
      'hello file',
      '--------------------------abc123--',
      '',
    ].join('\r\n');
    const form = await new Request(
      post('multipart/form-data; boundary=------------------------abc123', body),
    ).form();
    expect(form.get('user')).toBe('ada');
    expect(await (form.get('file') as File).text()).toBe('hello file');
  });

  it('answers a malformed multipart body with a 400', async () => {
    const type = 'multipart/form-data; boundary=XyZ';
    const cases = {
      'no closing boundary': '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nhello',
      'no Content-Disposition': '--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--\r\n',
      'no boundary at all': 'just some text',
    };
    for (const [what, body] of Object.entries(cases)) {
      const error = await new Request(post(type, body)).form().catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(BadRequest);
      expect((error as BadRequest).message, what).toBe('Malformed multipart/form-data body');
    }
    await expect(new Request(post('multipart/form-data', '--x--')).form()).rejects.toThrow(
      /without a boundary/,
    );
  });

  it('refuses an upload over the limit with a 413, and other types with a 415', async () => {
    const sent = new FormData();
    sent.append('big', new File([new Uint8Array(2048)], 'big.bin'));
    const wire = new globalThis.Request('http://x/', { method: 'POST', body: sent });
    const env = post(wire.headers.get('content-type') as string, new Uint8Array(await wire.arrayBuffer()));
    await expect(new Request(env).form({ limit: 1024 })).rejects.toThrow(ContentTooLarge);
    await expect(new Request(post('application/json', '{}')).form()).rejects.toThrow(UnsupportedMediaType);
  });
});

describe('Request over a real socket', () => {
  it('answers bodies over the limit with 413 and bad JSON with 400, through the server', async () => {
    const app = handler(async (request) => {
      const data = await request.json<{ name: string }>({ limit: 64 });
      return Response.json({ hello: data.name });
    });
    const server = await serve(app, { port: 0 });
    try {
      const send = (body: string, type = 'application/json') =>
        fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': type, accept: 'application/json' },
          body,
        });
      const ok = await send('{"name":"Ada"}');
      expect(await ok.json()).toEqual({ hello: 'Ada' });
      const tooLarge = await send(JSON.stringify({ name: 'x'.repeat(100) }));
      expect(tooLarge.status).toBe(413);
      const bad = await send('{name: Ada}');
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toMatch(/^Invalid JSON/);
      expect((await send('name=Ada', 'application/x-www-form-urlencoded')).status).toBe(415);
    } finally {
      await server.close();
    }
  });
});
