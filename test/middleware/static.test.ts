import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { type App, type Chunk, mapChunks, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { serveStatic } from '@tsgi/middleware/static';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseRange } from '../../packages/middleware/src/http/range.js';
import { isInside, safeSegments } from '../../packages/middleware/src/http/safe-path.js';
import { sleep } from '../helpers/bodies.js';
import { rawRequest } from '../helpers/raw.js';
import { startServer, stopAll, track } from '../helpers/server.js';

afterEach(stopAll);

// realpath() passes through, with a hook run after it resolves: the window between serveStatic's
// path check and its open(), where an attacker who can write in root swaps a folder for a symlink
const fsHook = vi.hoisted(() => ({ afterRealpath: undefined as ((path: string) => void) | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const realpath = async (...args: Parameters<typeof actual.realpath>) => {
    const resolved = await actual.realpath(...args);
    fsHook.afterRealpath?.(String(args[0]));
    return resolved;
  };
  return { ...actual, realpath };
});

const SECRET = 'TOP-SECRET-DO-NOT-LEAK';
const hello = 'hello, world: 0123456789abcdefghijklmnopqrstuvwxyz\n';
const css = `body { color: #333; }\n${'.a { margin: 0 }\n'.repeat(100)}`;
let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'tsgi-static-'));
  root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  mkdirSync(join(root, '.git'));
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(root, 'hello.txt'), hello);
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(join(root, 'style.css'), css);
  writeFileSync(join(root, 'style.css.br'), zlib.brotliCompressSync(css));
  writeFileSync(join(root, 'style.css.gz'), zlib.gzipSync(css));
  writeFileSync(join(root, 'logo.png'), 'PNG');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(root, '.git', 'config'), SECRET);
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(base, 'root-evil', 'secret.txt'), SECRET);
  writeFileSync(join(base, 'outside.css'), SECRET);
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(base, join(root, 'dir-out'));
  symlinkSync(join(root, 'hello.txt'), join(root, 'link-in'));
  symlinkSync(join(root, '.env'), join(root, 'link-dot'));
  symlinkSync(join(base, 'outside.css'), join(root, 'leak.css'));
  writeFileSync(join(root, 'other.css'), css);
  symlinkSync(join(base, 'secret.txt'), join(root, 'other.css.br')); // a sibling that leads out
  const old = new Date('2024-01-02T03:04:05Z');
  utimesSync(join(root, 'hello.txt'), old, old);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const get = (app: App, url: string, headers: Record<string, string> = {}, method = 'GET') =>
  request(validate(app), { url, headers, method });

describe('serveStatic: files and headers', () => {
  it('serves a file with its type, length, validators and caching', async () => {
    const response = await get(serveStatic(root, { maxAge: 60, immutable: true }), '/hello.txt');
    expect(response.status).toBe(200);
    expect(response.text()).toBe(hello);
    expect(response.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('Content-Length')).toBe(String(hello.length));
    expect(response.headers.get('Last-Modified')).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(response.headers.get('ETag')).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=60, immutable');
    expect(response.headers.get('Accept-Ranges')).toBe('bytes');
  });

  it('answers conditional GETs with 304 (If-None-Match, then If-Modified-Since)', async () => {
    const app = serveStatic(root);
    const etag = (await get(app, '/hello.txt')).headers.get('ETag') as string;
    expect((await get(app, '/hello.txt', { 'If-None-Match': `"x", W/${etag}` })).status).toBe(304);
    expect((await get(app, '/hello.txt', { 'If-None-Match': '"other"' })).status).toBe(200);
    expect(
      (await get(app, '/hello.txt', { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' })).status,
    ).toBe(304);
    expect(
      (await get(app, '/hello.txt', { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:04 GMT' })).status,
    ).toBe(200);
  });

  it('HEAD has the headers and no body; other methods are 405 with Allow', async () => {
    const head = await get(serveStatic(root), '/hello.txt', {}, 'HEAD');
    expect([head.status, head.headers.get('Content-Length'), head.text()]).toEqual([
      200,
      String(hello.length),
      '',
    ]);
    const post = await get(serveStatic(root), '/hello.txt', {}, 'POST');
    expect([post.status, post.headers.get('Allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('a folder: index with the slash, a 301 without it whose body echoes nothing, 404 with no index', async () => {
    const app = serveStatic(root);
    expect((await get(app, '/')).text()).toBe('<h1>home</h1>');
    expect((await get(app, '/sub/')).text()).toBe('<h1>sub</h1>');
    const moved = await get(app, '/sub?<script>alert(1)</script>');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('Location')).toMatch(/^\/sub\/\?/);
    expect(moved.text()).not.toMatch(/script|sub/);
    const atMount = await request(
      validate((environ, startResponse) =>
        app({ ...environ, SCRIPT_NAME: '/assets', PATH_INFO: '' }, startResponse),
      ),
    );
    expect([atMount.status, atMount.headers.get('Location')]).toEqual([301, '/assets/']);
    const doubled = await get(app, '//sub');
    expect(doubled.headers.get('Location')).toBe('/sub/'); // never `//host/`, an open redirect
    expect((await get(app, '/empty/')).status).toBe(404);
    expect((await get(serveStatic(root, { index: false }), '/sub/')).status).toBe(404);
  });

  it('dotfiles: ignored by default, 403 with deny, served with allow', async () => {
    expect((await get(serveStatic(root), '/.env')).status).toBe(404);
    expect((await get(serveStatic(root, { dotfiles: 'deny' }), '/.env')).status).toBe(403);
    expect((await get(serveStatic(root, { dotfiles: 'allow' }), '/.env')).text()).toBe(SECRET);
    expect((await get(serveStatic(root), '/link-dot')).status).toBe(404); // a symlink to a dotfile too
  });

  it('symlinks: inside root served, out of root refused unless follow; refuse refuses all', async () => {
    expect((await get(serveStatic(root), '/link-in')).text()).toBe(hello);
    expect((await get(serveStatic(root), '/link-out')).status).toBe(404);
    expect((await get(serveStatic(root), '/dir-out/secret.txt')).status).toBe(404);
    expect((await get(serveStatic(root, { symlinks: 'follow' }), '/link-out')).text()).toBe(SECRET);
    expect((await get(serveStatic(root, { symlinks: 'refuse' }), '/link-in')).status).toBe(404);
  });

  it('a folder swapped for a symlink out of root between the check and the open: the opened file is checked', async () => {
    mkdirSync(join(root, 'swap'));
    writeFileSync(join(root, 'swap', 'page.txt'), 'inside');
    mkdirSync(join(base, 'outside-swap'));
    writeFileSync(join(base, 'outside-swap', 'page.txt'), SECRET);
    fsHook.afterRealpath = (path) => {
      if (!path.endsWith(join('swap', 'page.txt'))) return;
      fsHook.afterRealpath = undefined;
      renameSync(join(root, 'swap'), join(root, 'swap-away'));
      symlinkSync(join(base, 'outside-swap'), join(root, 'swap'));
    };
    try {
      const response = await get(serveStatic(root), '/swap/page.txt');
      expect(response.text()).not.toContain(SECRET);
      expect(response.status).toBe(404);
    } finally {
      fsHook.afterRealpath = undefined;
      rmSync(join(root, 'swap'), { recursive: true, force: true });
      rmSync(join(root, 'swap-away'), { recursive: true, force: true });
    }
  });

  it('precompressed siblings, by Accept-Encoding, under the same rules as the file', async () => {
    const app = serveStatic(root, { precompressed: true });
    const br = await get(app, '/style.css', { 'Accept-Encoding': 'gzip, br' });
    expect([
      br.headers.get('Content-Encoding'),
      br.headers.get('Content-Type'),
      br.headers.get('Vary'),
    ]).toEqual(['br', 'text/css; charset=utf-8', 'Accept-Encoding']);
    expect(zlib.brotliDecompressSync(br.bytes()).toString()).toBe(css);
    const gz = await get(app, '/style.css', { 'Accept-Encoding': 'gzip' });
    expect(zlib.gunzipSync(gz.bytes()).toString()).toBe(css);
    expect(gz.headers.get('ETag')).not.toBe(br.headers.get('ETag'));
    const plain = await get(app, '/style.css', { 'Accept-Encoding': 'identity' });
    expect([plain.headers.get('Content-Encoding'), plain.text()]).toEqual([null, css]);
    const sneaky = await get(app, '/other.css', { 'Accept-Encoding': 'br' }); // other.css.br leads out of root
    expect([sneaky.headers.get('Content-Encoding'), sneaky.text()]).toEqual([null, css]);
  });

  it('a FIFO or other non-file in root is a 404, without hanging on open', async () => {
    const fifo = join(root, 'pipe.txt');
    execFileSync('mkfifo', [fifo]);
    try {
      expect((await get(serveStatic(root), '/pipe.txt')).status).toBe(404);
    } finally {
      rmSync(fifo);
    }
  });

  it('names the bad option', () => {
    expect(() => serveStatic('')).toThrow(/root/);
    expect(() => serveStatic(root, { index: ['../x'] })).toThrow(/index/);
    expect(() => serveStatic(root, { dotfiles: 'maybe' as 'allow' })).toThrow(/dotfiles/);
    expect(() => serveStatic(root, { maxAge: -1 })).toThrow(/maxAge/);
  });
});

describe('serveStatic: ranges', () => {
  const size = hello.length;

  it('a single range is a 206 with exactly those bytes', async () => {
    const app = serveStatic(root);
    const first = await get(app, '/hello.txt', { Range: 'bytes=0-4' });
    expect([first.status, first.text(), first.headers.get('Content-Range')]).toEqual([
      206,
      'hello',
      `bytes 0-4/${size}`,
    ]);
    const suffix = await get(app, '/hello.txt', { Range: 'bytes=-4' });
    expect(suffix.text()).toBe(hello.slice(-4));
    const open = await get(app, '/hello.txt', { Range: 'bytes=14-' });
    expect(open.text()).toBe(hello.slice(14));
  });

  it('an unsatisfiable range is a 416 with bytes */size; bad syntax is ignored (200)', async () => {
    const app = serveStatic(root);
    const refused = await get(app, '/hello.txt', { Range: `bytes=${size}-` });
    expect([refused.status, refused.headers.get('Content-Range')]).toEqual([416, `bytes */${size}`]);
    expect((await get(app, '/hello.txt', { Range: 'bytes=5-1' })).status).toBe(200);
    expect((await get(app, '/hello.txt', { Range: 'pages=1-2' })).status).toBe(200);
  });

  it('several ranges: multipart/byteranges, overlaps merged, exact bytes', async () => {
    const response = await get(serveStatic(root), '/hello.txt', { Range: 'bytes=1-2,0-1,7-11' });
    expect(response.status).toBe(206);
    const boundary = /boundary=(\w+)/.exec(response.headers.get('Content-Type') ?? '')?.[1];
    expect(response.text()).toBe(
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-2/${size}\r\n\r\nhel` +
        `\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 7-11/${size}\r\n\r\nworld` +
        `\r\n--${boundary}--\r\n`,
    );
    expect(Number(response.headers.get('Content-Length'))).toBe(response.bytes().byteLength);
  });

  it('too many ranges are not answered one by one (Rack CVE-2024-26141): the whole file', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `${i}-${i}`).filter((_, i) => i % 2 === 0);
    const response = await get(serveStatic(root), '/hello.txt', { Range: `bytes=${many.join(',')}` });
    expect([response.status, response.text()]).toEqual([200, hello]);
  });

  it('If-Range: the current ETag or date keeps the range, anything else sends it all', async () => {
    const app = serveStatic(root);
    const etag = (await get(app, '/hello.txt')).headers.get('ETag') as string;
    expect((await get(app, '/hello.txt', { Range: 'bytes=0-4', 'If-Range': etag })).status).toBe(206);
    expect((await get(app, '/hello.txt', { Range: 'bytes=0-4', 'If-Range': '"stale"' })).status).toBe(200);
    expect((await get(app, '/hello.txt', { Range: 'bytes=0-4', 'If-Range': `W/${etag}` })).status).toBe(200);
    const date = 'Tue, 02 Jan 2024 03:04:05 GMT';
    expect((await get(app, '/hello.txt', { Range: 'bytes=0-4', 'If-Range': date })).status).toBe(206);
  });

  it('property: parseRange never throws; ranges sorted, apart, inside the size', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(10_000), (tail, size) => {
        const result = parseRange(`bytes=${tail}`, size);
        if (result.kind !== 'ranges') return;
        let previousEnd = -2;
        for (const { start, end } of result.ranges) {
          expect(start).toBeGreaterThan(previousEnd + 1);
          expect(start <= end && end < size).toBe(true);
          previousEnd = end;
        }
      }),
    );
  });

  it('property: ranges written apart and in order parse back to themselves', () => {
    const ranges = fc
      .uniqueArray(fc.nat(5000), { minLength: 2, maxLength: 16 })
      .map((points) => points.sort((a, b) => a - b))
      .map((points) => {
        const out: Array<{ start: number; end: number }> = [];
        for (let i = 0; i + 1 < points.length; i += 2) {
          const start = points[i] as number;
          const end = (points[i + 1] as number) - 1;
          if (end >= start && (out.length === 0 || start > (out[out.length - 1]?.end ?? 0) + 1))
            out.push({ start, end });
        }
        return out;
      })
      .filter((out) => out.length > 0);
    fc.assert(
      fc.property(ranges, (list) => {
        const header = `bytes=${list.map(({ start, end }) => `${start}-${end}`).join(', ')}`;
        expect(parseRange(header, 10_000)).toEqual({ kind: 'ranges', ranges: list });
      }),
    );
  });
});

describe('safeSegments', () => {
  it('property: never throws; what it accepts stays inside root', () => {
    const pieces = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '\\',
      '/',
      '//',
      'a',
      'C:',
      '\0',
      '.env',
      'é',
      '%2f',
      ' ',
    );
    const hostile = fc.array(fc.oneof(pieces, fc.string()), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(hostile, (path) => {
        const parsed = safeSegments(path);
        if (parsed === 'malformed') return;
        for (const segment of parsed.segments) {
          expect(segment).not.toMatch(/^\.\.?$|[/\\\0:]/);
          expect(segment).not.toBe('');
        }
        expect(isInside('/srv/root', join('/srv/root', ...parsed.segments))).toBe(true);
        expect(parsed.dotfile).toBe(parsed.segments.some((segment) => segment.startsWith('.')));
      }),
    );
  });

  it('on Windows: a segment ending in a dot or a space is refused (Windows drops them: `NUL `, `con.`, `secret.txt.`)', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
    Object.defineProperty(process, 'platform', { value: 'win32' });
    try {
      for (const path of [
        '/NUL ',
        '/con.',
        '/aux .txt',
        '/secret.txt.',
        '/dir./x',
        '/a /b',
        '/nul.txt',
        '/COM¹.log',
      ])
        expect([path, safeSegments(path)]).toEqual([path, 'malformed']);
      expect(safeSegments('/a.b/c d.txt')).toEqual({ segments: ['a.b', 'c d.txt'], dotfile: false });
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(safeSegments('/secret.txt.')).toEqual({ segments: ['secret.txt.'], dotfile: false }); // a name of its own elsewhere
  });

  it('compares on a segment boundary', () => {
    expect(isInside('/srv/root', '/srv/root-evil/x')).toBe(false);
    expect(isInside('/srv/root', '/srv/root/x')).toBe(true);
    expect(isInside('/srv/root', '/srv/root')).toBe(true);
  });
});

// Collected from advisories of send (CVE-2014-6394: root prefix), serve-static, @fastify/static
// (GHSA-x428-ghpx-8j92, GHSA-8pvw-jcv7-9cmj, GHSA-pr96-94w5-mx2h: encoded separators), werkzeug
// (CVE-2019-14322 drive letters, CVE-2025-66221 device names, UNC), Rack (CVE-2026-34785 prefix
// without a segment boundary, %2e%2e, NUL, Rack::Directory), plus overlong UTF-8 and double encoding.
const TRAVERSALS = [
  '/../secret.txt',
  '/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/secret.txt',
  '/..%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/%2e%2e%2fsecret.txt',
  '/%2e%2e%2f%2e%2e%2fsecret.txt',
  '/..%5csecret.txt',
  '/..%5c..%5csecret.txt',
  '/%5c..%5csecret.txt',
  '/.%2e/secret.txt',
  '/%2e./secret.txt',
  '/sub/../../secret.txt',
  '/sub/..%2f..%2fsecret.txt',
  '/sub/%2e%2e/%2e%2e/secret.txt',
  '/%252e%252e/secret.txt',
  '/%252e%252e%252fsecret.txt',
  '/..%252fsecret.txt',
  '/%c0%ae%c0%ae/secret.txt',
  '/%c0%af../secret.txt',
  '/..%c0%afsecret.txt',
  '/%e0%80%ae%e0%80%ae/secret.txt',
  '/%u002e%u002e/secret.txt',
  '/..%00/secret.txt',
  '/%00../secret.txt',
  '/hello.txt%00/../../secret.txt',
  '/../root-evil/secret.txt',
  '/..%2froot-evil%2fsecret.txt',
  '/%2e%2e/root-evil/secret.txt',
  '//../secret.txt',
  '///..//secret.txt',
  '/./../secret.txt',
  '/%2F..%2F..%2Fsecret.txt',
  '/..;/secret.txt',
  '/....//secret.txt',
  '/.../secret.txt',
  '/hello.txt/../../secret.txt',
  '/C:/secret.txt',
  '/C:%5csecret.txt',
  '/C%3a/secret.txt',
  '/c:%2f..%2fsecret.txt',
  '/%5c%5clocalhost%5cc$%5csecret.txt',
  '//localhost/c$/secret.txt',
  '/NUL',
  '/con.txt',
  '/link-out',
  '/dir-out/secret.txt',
  '/dir-out/root-evil/secret.txt',
  '/.env',
  '/%2eenv',
  '/.git/config',
  '/.git%2fconfig',
  '/link-dot',
  '/leak.css',
];

describe('serveStatic: no way out of root', () => {
  it(`refuses every one of ${TRAVERSALS.length} traversal attempts over a raw socket: 0 leaks`, async () => {
    expect(TRAVERSALS.length).toBeGreaterThanOrEqual(40);
    const server = await startServer(validate(serveStatic(root, { precompressed: true })));
    const leaks: string[] = [];
    for (const target of [...TRAVERSALS, ...TRAVERSALS.map((t) => t.replaceAll('%5c', '\\'))]) {
      const response = await rawRequest(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      if (response.body.includes(SECRET) || response.status < 400)
        leaks.push(`${target} → ${response.status}`);
    }
    expect(leaks).toEqual([]);
    // the same server still serves what it should
    const fine = await rawRequest(
      server.port,
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(fine.body.toString()).toBe(hello);
  });
});

describe('serveStatic: a slow client on a large file', () => {
  it('reads from disk only as fast as the client takes it (bounded read-ahead)', async () => {
    const big = join(base, 'big');
    mkdirSync(big, { recursive: true });
    const path = join(big, 'large.bin');
    const SIZE = 64 * 1024 * 1024;
    writeFileSync(path, '');
    truncateSync(path, SIZE); // sparse: no 64 MiB written to the disk
    const tail = await open(path, 'r+');
    await tail.write(Buffer.from('THE-END'), 0, 7, SIZE - 7);
    await tail.close();
    let pulled = 0;
    const counting: App = async (environ, startResponse) => {
      const body = await serveStatic(big)(environ, startResponse);
      return mapChunks(body, (chunk: Chunk) => {
        pulled += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        return chunk;
      });
    };
    const server = await startServer(validate(counting));
    const socket = track(connect(server.port, '127.0.0.1'));
    socket.pause(); // a client that does not read
    socket.write('GET /large.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // the first read comes after a stat and an open on libuv's thread pool: wait for it, then
    // until reading stops (the socket full)
    await expect.poll(() => pulled).toBeGreaterThan(0);
    let last = -1;
    while (pulled !== last) {
      last = pulled;
      await sleep(150);
    }
    // what the kernel's socket buffers hold (~4 MiB on loopback), not the file
    expect(pulled).toBeLessThan(12 * 1024 * 1024);
    let received = 0;
    let end = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      socket.on('data', (data: Buffer) => {
        received += data.length;
        end = Buffer.concat([end, data]).subarray(-7);
      });
      socket.on('end', resolve);
      socket.resume();
    });
    expect(received).toBeGreaterThan(SIZE);
    expect(end.toString()).toBe('THE-END');
    expect(pulled).toBe(SIZE);
  });
});
