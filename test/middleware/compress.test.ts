import { execFile } from 'node:child_process';
import { request as httpGet } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { type App, type Body, type Chunk, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compress, hasZstd } from '@tsgi/middleware/compress';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  negotiateEncoding,
  parseAcceptEncoding,
} from '../../packages/middleware/src/http/accept-encoding.js';
import { deferred, sleep, trackClose } from '../helpers/bodies.js';
import { httpRequest } from '../helpers/http.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);
const run = promisify(execFile);

const page = `<!doctype html><html><body>${'<p>Hello, compressed world.</p>\n'.repeat(200)}</body></html>`;

const html =
  (
    body: () => Iterable<Chunk> | AsyncIterable<Chunk> = () => [page],
    headers: [string, string][] = [],
  ): App =>
  (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8'], ...headers]);
    return body();
  };

const answer =
  (status: string, headers: [string, string][], chunks: Chunk[]): App =>
  (_environ, startResponse) => {
    startResponse(status, headers);
    return chunks;
  };

describe('Accept-Encoding', () => {
  it('parses q-values and skips malformed members', () => {
    expect(parseAcceptEncoding('gzip;q=0.8, BR , x;q=2, *;q=0')).toEqual([
      { coding: 'gzip', q: 0.8 },
      { coding: 'br', q: 1 },
      { coding: '*', q: 0 },
    ]);
  });

  it('negotiates by weight, then by server order; q=0 refuses; identity;q=0 with nothing else is null', () => {
    expect(negotiateEncoding('gzip, br', ['br', 'gzip'])).toBe('br');
    expect(negotiateEncoding('gzip, br;q=0.5', ['br', 'gzip'])).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip', ['br', 'gzip'])).toBe('gzip');
    expect(negotiateEncoding('*', ['br', 'gzip'])).toBe('br');
    expect(negotiateEncoding('*;q=0, gzip;q=0', ['gzip'])).toBeNull();
    expect(negotiateEncoding('identity;q=0, zstd', ['gzip'])).toBeNull();
    expect(negotiateEncoding('', ['gzip'])).toBe('identity');
    expect(negotiateEncoding(undefined, ['gzip'])).toBe('identity');
  });

  it('an identity the client weighs above every coding on offer wins; a tie still compresses', () => {
    expect(negotiateEncoding('identity, gzip;q=0.5', ['br', 'gzip'])).toBe('identity');
    expect(negotiateEncoding('gzip;q=0.3, br;q=0.2, identity;q=0.9', ['br', 'gzip'])).toBe('identity');
    expect(negotiateEncoding('identity;q=0.5, gzip;q=0.5', ['br', 'gzip'])).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0.5', ['br', 'gzip'])).toBe('gzip'); // identity not named: no say
  });

  it('property: never throws, weights within 0..1, codings lower-case tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        for (const { coding, q } of parseAcceptEncoding(header)) {
          expect(q >= 0 && q <= 1).toBe(true);
          expect(coding).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+$/);
        }
        const chosen = negotiateEncoding(header, ['br', 'gzip']);
        expect([null, 'identity', 'br', 'gzip']).toContain(chosen);
      }),
    );
  });

  it('property: a formatted list parses back to itself', () => {
    const member = fc.record({
      coding: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
      q: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
    });
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), (list) => {
        const header = list.map(({ coding, q }) => `${coding};q=${q}`).join(', ');
        expect(parseAcceptEncoding(header)).toEqual(list);
      }),
    );
  });
});

describe('compress()', () => {
  it('gzips a known-length body in one go, with an exact Content-Length, a weak ETag and Vary', async () => {
    const app = validate(compress()(validate(html(() => [page], [['ETag', '"v1"']]))));
    const response = await request(app, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(response.headers.get('Content-Encoding')).toBe('gzip');
    expect(response.headers.get('Vary')).toBe('Accept-Encoding');
    expect(response.headers.get('ETag')).toBe('W/"v1"');
    expect(Number(response.headers.get('Content-Length'))).toBe(response.bytes().byteLength);
    expect(zlib.gunzipSync(response.bytes()).toString()).toBe(page);
  });

  it("adds Accept-Encoding to the app's Vary, keeping every name of several Vary headers, once", async () => {
    const varyOf = async (vary: [string, string][]) => {
      const app = validate(compress()(validate(html(() => [page], vary))));
      const response = await request(app, { headers: { 'Accept-Encoding': 'gzip' } });
      return response.headerList.filter(([name]) => name.toLowerCase() === 'vary').map(([, value]) => value);
    };
    expect(
      await varyOf([
        ['Vary', 'Accept'],
        ['vary', 'Cookie'],
      ]),
    ).toEqual(['Accept, Cookie, Accept-Encoding']);
    expect(await varyOf([['Vary', 'accept-encoding']])).toEqual(['accept-encoding']);
    expect(await varyOf([['Vary', '*']])).toEqual(['*']);
  });

  it('a larger known-length body (compressed off the event loop) keeps an exact Content-Length', async () => {
    const big = page.repeat(5);
    const app = validate(compress()(validate(html(() => [big.slice(0, 100), big.slice(100)]))));
    for (const [accept, decode] of [
      ['gzip', zlib.gunzipSync],
      ['br', zlib.brotliDecompressSync],
    ] as const) {
      const response = await request(app, { headers: { 'Accept-Encoding': accept } });
      expect(Number(response.headers.get('Content-Length'))).toBe(response.bytes().byteLength);
      expect(decode(response.bytes()).toString()).toBe(big);
    }
  });

  it('makes the same bytes for the same body: no time stamp in the gzip header', async () => {
    const app = compress()(html());
    const a = (await request(app, { headers: { 'Accept-Encoding': 'gzip' } })).bytes();
    const b = (await request(app, { headers: { 'Accept-Encoding': 'gzip' } })).bytes();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect([...a.subarray(4, 8)]).toEqual([0, 0, 0, 0]); // MTIME
  });

  it('streams a generator body with brotli, closing the app body once', async () => {
    const tracked = trackClose(
      (async function* () {
        yield page.slice(0, 3000);
        yield page.slice(3000);
      })(),
    );
    const app = validate(compress()(validate(html(() => tracked.body))));
    const response = await request(app, { headers: { 'Accept-Encoding': 'br, gzip' } });
    expect(response.headers.get('Content-Encoding')).toBe('br');
    expect(response.headers.get('Content-Length')).toBeNull();
    expect(zlib.brotliDecompressSync(response.bytes()).toString()).toBe(page);
    expect(tracked.closeCount).toBe(1);
  });

  it('closes the app body when the client leaves in the middle', async () => {
    const tracked = trackClose(
      (async function* () {
        for (let i = 0; ; i++) {
          yield `${page}${i}`;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
    );
    const server = await startServer(validate(compress()(validate(html(() => tracked.body)))));
    await new Promise<void>((resolve, reject) => {
      const req = httpGet(`${server.url}/`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.once('error', reject);
      req.end();
    });
    await tracked.closed;
    expect(tracked.closeCount).toBe(1);
  });

  it('closes the app body when the client leaves an idle event stream (only close() wakes the app)', async () => {
    // an SSE app between events: its pending read ends only when its body is closed, so a
    // close that waits for that read first never comes, and the zlib stream lives on
    const closed = deferred();
    const sse: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/event-stream']]);
      let sent = false;
      return {
        [Symbol.asyncIterator]: () => ({
          async next(): Promise<IteratorResult<Chunk>> {
            if (!sent) {
              sent = true;
              return { done: false, value: 'data: first\n\n' };
            }
            await closed.promise;
            return { done: true, value: undefined };
          },
        }),
        close: () => closed.resolve(),
      };
    };
    const server = await startServer(validate(compress()(validate(sse))));
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n');
    await connection.waitForText('\r\n\r\n');
    connection.socket.destroy();
    const outcome = await Promise.race([closed.promise.then(() => 'closed'), sleep(2000).then(() => 'open')]);
    expect(outcome).toBe('closed');
  });

  it('leaves alone: small bodies, images, encoded bodies, no-transform, 304, no Accept-Encoding', async () => {
    const cases: Array<[App, Record<string, string>?]> = [
      [html(() => ['tiny'])],
      [answer('200 OK', [['Content-Type', 'image/png']], [page])],
      [html(() => [page], [['Cache-Control', 'public, no-transform']])],
      [answer('304 Not Modified', [['ETag', '"x"']], [])],
      [html(), { 'Accept-Encoding': 'identity' }],
    ];
    for (const [app, headers = { 'Accept-Encoding': 'gzip, br' }] of cases) {
      const response = await request(validate(compress()(validate(app))), { headers });
      expect(response.headers.get('Content-Encoding') ?? 'none').not.toMatch(/gzip|br/);
    }
    const encoded = await request(
      validate(compress()(validate(html(() => [page], [['Content-Encoding', 'br']])))),
      {
        headers: { 'Accept-Encoding': 'gzip' },
      },
    );
    expect([encoded.headers.get('Content-Encoding'), encoded.text()]).toEqual(['br', page]);
  });

  it('gives HEAD the header fields GET gets (RFC 9110 §9.3.2), compressing nothing', async () => {
    const tracked = trackClose([page]);
    const app = (body: () => Body) =>
      validate(
        compress()(
          validate(
            html(body, [
              ['ETag', '"v1"'],
              ['Content-Length', String(page.length)],
              ['Accept-Ranges', 'bytes'],
            ]),
          ),
        ),
      );
    const headers = { 'Accept-Encoding': 'gzip' };
    const get = await request(
      app(() => [page]),
      { headers },
    );
    const head = await request(
      app(() => tracked.body),
      { method: 'HEAD', headers },
    );
    for (const name of ['Content-Encoding', 'Vary', 'ETag', 'Accept-Ranges', 'Content-Type']) {
      expect(head.headers.get(name), name).toBe(get.headers.get(name));
    }
    expect(head.headers.get('Content-Encoding')).toBe('gzip');
    // the uncompressed body's length would be wrong for the GET (RFC 9110 §8.6)
    expect(head.headers.get('Content-Length')).toBeNull();
    expect(head.bytes().byteLength).toBe(0);
    expect(tracked.closeCount).toBe(1);
    // decided as for GET: a small body stays identity for both
    const small = await request(validate(compress()(validate(html(() => ['tiny'])))), {
      method: 'HEAD',
      headers,
    });
    expect(small.headers.get('Content-Encoding')).toBeNull();
  });

  it('over a socket: HEAD and GET carry the same Content-Encoding, Vary and ETag', async () => {
    const server = await startServer(validate(compress()(validate(html(() => [page], [['ETag', '"v1"']])))));
    const ask = (method: string) =>
      rawRequest(server.port, `${method} / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\n\r\n`, {
        head: method === 'HEAD',
      });
    const [get, head] = [await ask('GET'), await ask('HEAD')];
    expect([get.status, head.status]).toEqual([200, 200]);
    for (const name of ['content-encoding', 'vary', 'etag'])
      expect(head.header(name), name).toBe(get.header(name));
    expect(head.header('content-encoding')).toBe('br');
    expect(head.header('content-length')).not.toBe(String(Buffer.byteLength(page)));
    expect(head.body.byteLength).toBe(0);
  });

  it('compresses SVG but not other images', async () => {
    const svg = answer('200 OK', [['Content-Type', 'image/svg+xml']], [page]);
    const response = await request(compress()(svg), { headers: { 'Accept-Encoding': 'gzip' } });
    expect(response.headers.get('Content-Encoding')).toBe('gzip');
  });

  it('answers 406 when identity is refused and no allowed coding is acceptable', async () => {
    const app = validate(compress({ encodings: ['gzip'] })(validate(html())));
    const response = await request(app, { headers: { 'Accept-Encoding': 'br, identity;q=0' } });
    expect(response.status).toBe(406);
    expect(response.text()).toMatch(/gzip/);
  });

  it('keeps to the allow-list, and detects zstd rather than assuming it', async () => {
    const app = compress({ encodings: ['gzip', 'zstd'] })(html());
    const response = await request(app, { headers: { 'Accept-Encoding': 'zstd, br, gzip;q=0.5' } });
    expect(response.headers.get('Content-Encoding')).toBe(hasZstd ? 'zstd' : 'gzip');
    expect(hasZstd).toBe(typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function');
  });

  it('names the bad option', () => {
    expect(() => compress({ encodings: ['deflate' as 'gzip'] })).toThrow(/encodings/);
    expect(() => compress({ level: { br: 12 } })).toThrow(/level\.br/);
    expect(() => compress({ threshold: -1 })).toThrow(/threshold/);
  });

  it('over a socket: node zlib and curl --compressed decode gzip and brotli', async () => {
    const chunks = async function* () {
      yield page.slice(0, 5000);
      yield page.slice(5000);
    };
    const server = await startServer(validate(compress()(validate(html(chunks)))));
    for (const [accept, decode] of [
      ['gzip', zlib.gunzipSync],
      ['br', zlib.brotliDecompressSync],
    ] as const) {
      const response = await httpRequest(`${server.url}/`, { headers: { 'Accept-Encoding': accept } });
      expect(response.headers['content-encoding']).toBe(accept);
      expect(response.headers['transfer-encoding']).toBe('chunked');
      expect(decode(response.body).toString()).toBe(page);
      const { stdout } = await run('curl', [
        '-sS',
        '--compressed',
        '-H',
        `Accept-Encoding: ${accept}`,
        `${server.url}/`,
      ]);
      expect(stdout).toBe(page);
    }
  });

  it('over a socket: the first server-sent event arrives before the app finishes', async () => {
    const second = deferred();
    const sse: App = (_e, s) => {
      s('200 OK', [['Content-Type', 'text/event-stream']]);
      return (async function* () {
        yield 'data: first\n\n';
        await second.promise;
        yield 'data: second\n\n';
      })();
    };
    const server = await startServer(validate(compress()(validate(sse))));
    const events = await new Promise<string[]>((resolve, reject) => {
      const req = httpGet(`${server.url}/`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        expect(res.headers['content-encoding']).toBe('gzip');
        const seen: string[] = [];
        const gunzip = zlib.createGunzip();
        res.pipe(gunzip);
        gunzip.on('data', (data: Buffer) => {
          seen.push(data.toString());
          if (seen.join('') === 'data: first\n\n') second.resolve(); // only now may the app go on
        });
        gunzip.on('end', () => resolve(seen));
        gunzip.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(events.join('')).toBe('data: first\n\ndata: second\n\n');
  });
});
