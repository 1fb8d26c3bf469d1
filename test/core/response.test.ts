import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type App,
  type Body,
  type Chunk,
  type Environ,
  type HeaderList,
  html,
  Response,
  raw,
  type SafeHtml,
} from '@tsgi/core';
import { afterAll, describe, expect, it } from 'vitest';
import { withServer } from '../helpers/server.js';

/** Calls an app with a recording startResponse. */
function call(app: App): { status: string; headers: HeaderList; body: Body } {
  let status = '';
  let headers: HeaderList = [];
  const body = app({ REQUEST_METHOD: 'GET' } as Environ, (s, h) => {
    status = s;
    headers = h;
    return () => {};
  }) as Body;
  return { status, headers, body };
}

async function text(body: Body): Promise<string> {
  let out = '';
  const decoder = new TextDecoder();
  for await (const chunk of body as AsyncIterable<Chunk>)
    out += typeof chunk === 'string' ? chunk : decoder.decode(chunk);
  return out;
}

describe('Response as an app', () => {
  it('sends a string as UTF-8 text by default', async () => {
    const { status, headers, body } = call(new Response('héllo'));
    expect(status).toBe('200 OK');
    expect(headers).toEqual([['Content-Type', 'text/plain; charset=utf-8']]);
    expect(Array.isArray(body)).toBe(true); // an array: the server sends Content-Length
    expect(await text(body)).toBe('héllo');
  });

  it('is called from inside another app', async () => {
    const app: App = (environ, startResponse) => new Response('hi', { status: 201 })(environ, startResponse);
    const { status, body } = call(app);
    expect(status).toBe('201 Created');
    expect(await text(body)).toBe('hi');
  });

  it('can be sent again and again, unchanged by what a server does with the headers', () => {
    const notFound = new Response('nope', { status: 404 });
    const first = call(notFound);
    first.headers.push(['Content-Length', '4']); // as a server might
    expect(call(notFound).headers).toEqual([['Content-Type', 'text/plain; charset=utf-8']]);
  });

  it('keeps a Content-Type given in the headers, whatever the body', () => {
    expect(new Response('a,b', { headers: { 'Content-Type': 'text/csv' } }).headers).toEqual([
      ['Content-Type', 'text/csv'],
    ]);
    expect(new Response(new Uint8Array([1])).getHeader('content-type')).toBe('application/octet-stream');
    expect(new Response().headers).toEqual([]);
  });

  it('sends no body for null', async () => {
    const { status, body } = call(new Response(null, { status: 204 }));
    expect(status).toBe('204 No Content');
    expect(body).toEqual([]);
  });

  it('refuses a status that is not a final one, 200 to 599', () => {
    expect(() => new Response('x', { status: 99 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 600 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 200.5 })).toThrow(RangeError);
    // a 1xx is not a final response: the server would refuse it, so fail where it is made
    expect(() => new Response(null, { status: 103 })).toThrow(/200 to 599 \(a 1xx is not a final response/);
    expect(() => new Response(null, { status: 100 })).toThrow(RangeError);
  });

  it.each([204, 205, 304])('refuses a body on a %i, which has none (and so no Content-Type)', (status) => {
    expect(() => new Response('x', { status })).toThrow(`a ${status} response has no body`);
    expect(() => Response.json({}, { status })).toThrow(TypeError);
    expect(() => new Response('', { status })).toThrow(TypeError);
    expect(new Response(null, { status }).headers).toEqual([]);
    expect(new Response(undefined, { status }).getHeader('content-type')).toBeUndefined();
  });
});

describe('Response helpers', () => {
  it('json() serializes with application/json', async () => {
    const response = Response.json({ id: 1, tags: ['a'] }, { status: 201 });
    const { status, headers, body } = call(response);
    expect(status).toBe('201 Created');
    expect(headers).toEqual([['Content-Type', 'application/json']]);
    expect(JSON.parse(await text(body))).toEqual({ id: 1, tags: ['a'] });
    expect(Response.json({}, { headers: { 'content-type': 'application/problem+json' } }).headers).toEqual([
      ['content-type', 'application/problem+json'],
    ]);
    expect(() => Response.json(undefined)).toThrow(/not JSON/);
  });

  it('html() sends html`` markup, and refuses a plain string that could hold unescaped input', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const response = Response.html(html`<h1>Hi ${name}</h1>`);
    expect(response.getHeader('Content-Type')).toBe('text/html; charset=utf-8');
    expect(await text(call(response).body)).toBe('<h1>Hi &lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(() => Response.html(`<h1>Hi ${name}</h1>` as unknown as SafeHtml)).toThrow(/plain string/);
    expect(await text(call(Response.html(raw('<hr>'))).body)).toBe('<hr>');
  });

  it('text() sends text/plain', () => {
    expect(Response.text('ok').headers).toEqual([['Content-Type', 'text/plain; charset=utf-8']]);
  });

  it('redirect() sets Location, 302 unless told', () => {
    const { status, headers, body } = call(Response.redirect('/login'));
    expect(status).toBe('302 Found');
    expect(headers).toEqual([['Location', '/login']]);
    expect(body).toEqual([]);
    expect(call(Response.redirect(new URL('https://example.com/a'), 303)).status).toBe('303 See Other');
  });

  it('redirect() refuses CR/LF (header injection) and percent-encodes the rest', () => {
    expect(() => Response.redirect('/x\r\nSet-Cookie: admin=1')).toThrow(/CR, LF or NUL/);
    expect(() => Response.redirect('/x\nLocation: //evil')).toThrow(TypeError);
    expect(Response.redirect('/café au lait?q=%20').getHeader('location')).toBe(
      '/caf%C3%A9%20au%20lait?q=%20',
    );
    expect(() => Response.redirect('/x', 200 as 302)).toThrow(/not a redirect status/);
  });
});

describe('Response headers and cookies', () => {
  it('sets, appends, reads and removes headers by case-insensitive name', () => {
    const response = new Response('x')
      .setHeader('Cache-Control', 'no-cache')
      .setHeader('cache-control', 'no-store')
      .appendHeader('Vary', 'Accept')
      .appendHeader('Vary', 'Cookie');
    expect(response.getHeader('CACHE-CONTROL')).toBe('no-store');
    expect(response.headers.filter(([n]) => n === 'Vary')).toEqual([
      ['Vary', 'Accept'],
      ['Vary', 'Cookie'],
    ]);
    response.removeHeader('vary');
    expect(response.getHeader('Vary')).toBeUndefined();
  });

  it('refuses CR, LF or NUL in a header value, and a name that is not a token', () => {
    expect(() => new Response('x').setHeader('X-A', 'a\r\nSet-Cookie: x=1')).toThrow(/header injection/);
    expect(() => new Response('x', { headers: { 'X-B': 'a\nb' } })).toThrow(TypeError);
    expect(() => new Response('x').appendHeader('Bad Name', 'v')).toThrow(/not an HTTP token/);
  });

  it('sets cookies with secure defaults, each in its own Set-Cookie', () => {
    const response = new Response('x')
      .setCookie('theme', 'dark')
      .setCookie('sid', 'a b', { secure: true, maxAge: 60 });
    expect(response.headers.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v)).toEqual([
      'theme=dark; Path=/; HttpOnly; SameSite=Lax',
      'sid=a%20b; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
    ]);
    expect(new Response().setCookie('js', '1', { httpOnly: false }).getHeader('set-cookie')).toBe(
      'js=1; Path=/; SameSite=Lax',
    );
  });

  it('deletes a cookie with an expiry in the past', () => {
    const cookie = new Response().deleteCookie('sid', { path: '/app' }).getHeader('Set-Cookie');
    expect(cookie).toBe(
      'sid=; Max-Age=0; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    );
  });

  it('refuses cookies that would be unsafe or invalid', () => {
    expect(() => new Response().setCookie('x', '1', { sameSite: 'none' })).toThrow(
      /SameSite=None needs secure/,
    );
    expect(() => new Response().setCookie('bad name', '1')).toThrow(TypeError);
    expect(() => new Response().setCookie('x', '1', { path: '/;evil' })).toThrow(TypeError);
  });
});

describe('Response with a Node stream body', () => {
  it('destroys the stream on close(), even unread (as when a middleware answers 304 instead)', async () => {
    const stream = Readable.from(['never', 'read']);
    const { body } = call(new Response(stream));
    await body.close?.();
    expect(stream.destroyed).toBe(true);
  });
});

describe('Response bodies over a real socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-response-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a file and closes it after the last byte', async () => {
    const path = join(dir, 'data.txt');
    const content = 'line\n'.repeat(50_000);
    writeFileSync(path, content);
    let stream: ReturnType<typeof createReadStream> | undefined;
    const app: App = (environ, startResponse) => {
      stream = createReadStream(path);
      return new Response(stream, { headers: { 'Content-Type': 'text/plain' } })(environ, startResponse);
    };
    await withServer(app, async (url) => {
      const res = await fetch(url);
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(await res.text()).toBe(content);
      await expect.poll(() => stream?.destroyed).toBe(true);
    });
  });

  it('destroys a Node stream when the client goes away mid-response', async () => {
    let stream: Readable | undefined;
    const app: App = (environ, startResponse) => {
      stream = Readable.from(
        (async function* () {
          for (;;) {
            yield 'tick\n';
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
      );
      return new Response(stream)(environ, startResponse);
    };
    await withServer(app, async (url) => {
      await new Promise<void>((resolve) => {
        // hang up after the first chunk
        const req = httpRequest(url, (res) => res.once('data', () => req.destroy()));
        req.on('error', () => {}); // the hang-up is ours
        req.on('close', resolve);
        req.end();
      });
      await expect.poll(() => stream?.destroyed).toBe(true);
    });
  });

  it('streams an async generator, and sends Content-Length for a string and many Set-Cookies', async () => {
    const app: App = (environ, startResponse) => {
      if (environ.PATH_INFO === '/stream') {
        return new Response(
          (async function* () {
            yield 'a';
            yield new TextEncoder().encode('b');
          })(),
        )(environ, startResponse);
      }
      return new Response('héllo').setCookie('a', '1').setCookie('b', '2')(environ, startResponse);
    };
    await withServer(app, async (url) => {
      const streamed = await fetch(`${url}/stream`);
      expect(await streamed.text()).toBe('ab');
      const res = await fetch(url);
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('héllo')));
      expect(res.headers.getSetCookie()).toEqual([
        'a=1; Path=/; HttpOnly; SameSite=Lax',
        'b=2; Path=/; HttpOnly; SameSite=Lax',
      ]);
    });
  });
});
