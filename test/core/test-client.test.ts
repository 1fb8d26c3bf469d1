import { type App, type Environ, NotFound, ValidationError } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';

/** Answers with what it saw of the request, as JSON. */
const echo: App = async (environ, startResponse) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of environ['tsgi.input']) chunks.push(chunk);
  const seen = {
    method: environ.REQUEST_METHOD,
    path: environ.PATH_INFO,
    query: environ.QUERY_STRING,
    scheme: environ['tsgi.url_scheme'],
    host: environ.HTTP_HOST,
    server: `${environ.SERVER_NAME}:${environ.SERVER_PORT}`,
    remote: environ.REMOTE_ADDR,
    type: environ.CONTENT_TYPE ?? null,
    length: environ.CONTENT_LENGTH ?? null,
    chunked: environ.HTTP_TRANSFER_ENCODING ?? null,
    accept: environ.HTTP_ACCEPT ?? null,
    cookie: environ.HTTP_COOKIE ?? null,
    body: Buffer.concat(chunks).toString(),
  };
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(seen)];
};

describe('request()', () => {
  it('GETs / by default, as a server on localhost would', async () => {
    const response = await request(echo);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.complete).toBe(true);
    expect(response.json()).toMatchObject({
      method: 'GET',
      path: '/',
      query: '',
      scheme: 'http',
      host: 'localhost',
      server: 'localhost:80',
      remote: '127.0.0.1',
      body: '',
      length: null,
    });
  });

  it('sends the target as is: percent-decoded into PATH_INFO, the query raw', async () => {
    const seen = (await request(echo, { url: '/caf%C3%A9/a%2Fb?q=a%20b&x=1#fragment' })).json();
    expect(seen).toMatchObject({ path: '/café/a/b', query: 'q=a%20b&x=1' });
  });

  it('takes an absolute URL for scheme, host and port', async () => {
    const seen = (await request(echo, { url: 'https://example.com:8443/p?x' })).json();
    expect(seen).toMatchObject({
      scheme: 'https',
      host: 'example.com:8443',
      server: 'example.com:8443',
      path: '/p',
    });
  });

  it('POSTs a string body with its length and type', async () => {
    const seen = (await request(echo, { body: 'hello' })).json();
    expect(seen).toMatchObject({
      method: 'POST',
      body: 'hello',
      length: '5',
      type: 'text/plain; charset=utf-8',
    });
  });

  it('sends JSON, forms and streams', async () => {
    expect((await request(echo, { method: 'PUT', json: { a: 1 } })).json()).toMatchObject({
      method: 'PUT',
      type: 'application/json',
      body: '{"a":1}',
    });
    const form = (await request(echo, { body: new URLSearchParams({ a: '1 2' }) })).json();
    expect(form).toMatchObject({ type: 'application/x-www-form-urlencoded', body: 'a=1+2' });
    async function* stream() {
      yield new TextEncoder().encode('str');
      yield new TextEncoder().encode('eam');
    }
    expect((await request(echo, { body: stream() })).json()).toMatchObject({
      body: 'stream',
      chunked: 'chunked',
      length: null,
    });
  });

  it('sends request headers in any of three forms, joining repeats as a server does', async () => {
    const asRecord = await request(echo, { headers: { Accept: 'text/html', Cookie: ['a=1', 'b=2'] } });
    expect(asRecord.json()).toMatchObject({ accept: 'text/html', cookie: 'a=1; b=2' });
    const asList = await request(echo, {
      headers: [
        ['Accept', 'a/b'],
        ['Accept', 'c/d'],
      ],
    });
    expect(asList.json()).toMatchObject({ accept: 'a/b, c/d' });
    const asHeaders = await request(echo, { headers: new Headers({ Host: 'example.org' }) });
    expect(asHeaders.json()).toMatchObject({ host: 'example.org' });
  });

  it('reads response headers case-insensitively, every Set-Cookie included, and in order', async () => {
    const response = await request((_environ, startResponse) => {
      startResponse('201 Created', [
        ['Content-Type', 'text/plain'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
      ]);
      return ['made'];
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('Content-Length')).toBe('4');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    expect(response.headerList.map(([name]) => name)).toEqual([
      'Content-Type',
      'Set-Cookie',
      'Set-Cookie',
      'Content-Length',
    ]);
    expect(response.text()).toBe('made');
    expect(response.bytes()).toEqual(new TextEncoder().encode('made'));
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await request(echo, { method: 'HEAD' });
    expect(response.headers.get('content-length')).not.toBeNull();
    expect(response.text()).toBe('');
  });

  it('answers an undecodable path with 400, before the app runs', async () => {
    let ran = false;
    const response = await request(
      () => {
        ran = true;
        return [];
      },
      { url: '/%FF' },
    );
    expect(response.status).toBe(400);
    expect(ran).toBe(false);
  });

  it('collects early hints and tsgi.errors', async () => {
    const response = await request((environ, startResponse) => {
      environ['tsgi.early_hints'](['</app.css>; rel=preload; as=style']);
      environ['tsgi.errors'].write('noted');
      startResponse('204 No Content', []);
      return [];
    });
    expect(response.earlyHints).toEqual([['</app.css>; rel=preload; as=style']]);
    expect(response.log).toBe('noted');
  });
});

describe('request() and errors', () => {
  const broken: App = () => {
    throw new TypeError('no such column');
  };

  it('rejects with the error an app throws, so the test fails with its stack', async () => {
    await expect(request(broken)).rejects.toThrow(TypeError);
  });

  it('with rethrow: false, resolves with the 500 the server sends, and the error', async () => {
    const response = await request(broken, { rethrow: false });
    expect(response.status).toBe(500);
    expect(response.text()).not.toContain('no such column');
    expect(response.error).toBeInstanceOf(TypeError);
    expect(response.log).toContain('no such column');
  });

  it('resolves with the response of a thrown HTTPError', async () => {
    const response = await request(() => {
      throw new NotFound('No such user');
    });
    expect(response.status).toBe(404);
    expect(response.text()).toContain('No such user');
    expect(response.error).toBeInstanceOf(NotFound);
  });

  it('shows an error after the headers as a response cut short', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (function* () {
        yield 'partial';
        throw new Error('disk gone');
      })();
    };
    await expect(request(app)).rejects.toThrow('disk gone');
    const response = await request(app, { rethrow: false });
    expect(response.complete).toBe(false);
    expect(response.text()).toBe('partial');
    expect((response.error as Error).message).toBe('disk gone');
  });

  it('fails on a broken contract, naming the rule', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return 'hello' as never;
    };
    const failure = request(app);
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ rule: 'body-string' });
  });

  it('is a client that can go away: the stream stops and is closed', async () => {
    const controller = new AbortController();
    let closed = 0;
    let aborted = false;
    const app: App = (environ: Environ, startResponse) => {
      environ['tsgi.signal'].addEventListener('abort', () => {
        aborted = true;
      });
      startResponse('200 OK', [['Content-Type', 'text/event-stream']]);
      const events = (async function* () {
        for (let i = 0; ; i++) {
          if (i === 2) controller.abort();
          yield `data: ${i}\n\n`;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      return Object.assign(events, { close: () => void closed++ });
    };
    const response = await request(app, { signal: controller.signal });
    expect(response.complete).toBe(false);
    expect(response.text()).toMatch(/^data: 0\n\ndata: 1\n\n/);
    expect(aborted).toBe(true);
    expect(closed).toBe(1);
  });
});
