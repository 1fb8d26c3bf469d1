import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  type App,
  type Environ,
  encodePath,
  Forbidden,
  type HeaderList,
  HTTPError,
  MethodNotAllowed,
  NotFound,
} from '@tsgi/core';
import mime from 'mime-types';
import { negotiateEncoding } from './http/accept-encoding.js';
import { type FilePart, fileBody, multipartParts, readWhole } from './http/file-body.js';
import { type ByteRange, parseRange } from './http/range.js';
import { isInside, safeSegments } from './http/safe-path.js';

/** Options of {@link serveStatic}. */
export interface StaticOptions {
  /** Files tried, in order, for a path ending in `/`; `false` for none. Default `['index.html']`. */
  index?: readonly string[] | false;
  /** `Cache-Control: public, max-age=` this many seconds. Default 0. */
  maxAge?: number;
  /** Add `immutable` to `Cache-Control` (for fingerprinted file names). Default false. */
  immutable?: boolean;
  /** A path with a segment starting with `.`: `'ignore'` (404, the default), `'deny'` (403), `'allow'`. */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /** Serve `file.br` / `file.gz` beside `file` to clients that accept them; `true` for both. Default false. */
  precompressed?: boolean | readonly ('br' | 'gzip')[];
  /** A symlink whose target is outside root: refused (`'inside'`, the default) or served (`'follow'`); `'refuse'` refuses every symlink. */
  symlinks?: 'inside' | 'follow' | 'refuse';
  /** Most ranges answered in one multipart response, after merging; more and the whole file is sent. Default 16. */
  maxRanges?: number;
}

const ALLOW = ['GET', 'HEAD'] as const;
// Files up to this size are read in one go and sent as one chunk with a known length.
const SMALL_FILE = 64 * 1024;
const SUFFIX = { br: '.br', gzip: '.gz' } as const;

interface Found {
  readonly path: string;
  readonly handle: FileHandle;
  readonly stat: Stats;
}

/**
 * An app serving the files under `root`: GET and HEAD (else 405 with `Allow`), a miss is a
 * 404, so `cascade(serveStatic(root), site)` passes both on. Streams from disk one chunk per
 * pull (a slow client holds memory flat), with `Content-Type` from `mime-types`,
 * `Last-Modified`, a strong ETag, conditional GET (304), `Range` (single, and
 * `multipart/byteranges` with overlaps merged and the count capped; 416 with
 * `Content-Range: bytes *\/size`), `If-Range`.
 *
 * No way out of root: `PATH_INFO` (decoded once, by the server) is split once and every
 * check runs on those segments; `..`, backslashes, NUL, drive letters are refused, and the
 * real path (symlinks resolved) must lie inside the real root unless `symlinks: 'follow'`; on
 * Linux the file opened is checked to be that path (a folder swapped for a symlink in between).
 * A directory without its slash is a 301 whose body never echoes the path.
 *
 * Not for: directory listings (none is made), or files that change while served (the ETag is
 * size and mtime).
 * @example
 * const site = cascade(serveStatic('./public', { maxAge: 3600, precompressed: true }), app);
 */
export function serveStatic(root: string, options: StaticOptions = {}): App {
  if (typeof root !== 'string' || root === '')
    throw new TypeError('serveStatic: `root` must be a folder path');
  const {
    index = ['index.html'],
    maxAge = 0,
    immutable = false,
    dotfiles = 'ignore',
    symlinks = 'inside',
  } = options;
  const { maxRanges = 16 } = options;
  if (index !== false && (!Array.isArray(index) || index.some((name) => safeName(name) === undefined))) {
    throw new TypeError('serveStatic: `index` must be false or a list of plain file names');
  }
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new TypeError('serveStatic: `maxAge` must be an integer ≥ 0');
  if (!['ignore', 'deny', 'allow'].includes(dotfiles))
    throw new TypeError("serveStatic: `dotfiles` must be 'ignore', 'deny' or 'allow'");
  if (!['inside', 'follow', 'refuse'].includes(symlinks))
    throw new TypeError("serveStatic: `symlinks` must be 'inside', 'follow' or 'refuse'");
  if (!Number.isInteger(maxRanges) || maxRanges < 1)
    throw new TypeError('serveStatic: `maxRanges` must be an integer ≥ 1');
  const precompressed =
    options.precompressed === true ? (['br', 'gzip'] as const) : options.precompressed || [];
  if (!Array.isArray(precompressed) || precompressed.some((e) => e !== 'br' && e !== 'gzip')) {
    throw new TypeError("serveStatic: `precompressed` must be a boolean or a list of 'br', 'gzip'");
  }
  const rootPath = resolve(root);
  let realRoot: Promise<string> | undefined;
  const cacheControl = `public, max-age=${maxAge}${immutable ? ', immutable' : ''}`;

  /** Opens the file at `segments` if every rule allows it; undefined for a miss. */
  const locate = async (segments: readonly string[]): Promise<Found | undefined> => {
    const candidate = join(rootPath, ...segments);
    if (!isInside(rootPath, candidate)) return undefined;
    realRoot ??= realpath(rootPath);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return undefined;
    }
    const base = await realRoot;
    if (symlinks === 'refuse' && real !== join(base, ...segments)) return undefined;
    if (symlinks !== 'follow') {
      if (!isInside(base, real)) return undefined;
      // a symlink inside root may point at a dotfile: the rule holds for where it leads too
      if (
        dotfiles !== 'allow' &&
        relative(base, real)
          .split(sep)
          .some((part) => part.startsWith('.'))
      )
        return undefined;
    }
    let handle: FileHandle;
    try {
      // non-blocking: opening a FIFO someone left in root must not hang a thread-pool thread
      handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch {
      return undefined;
    }
    try {
      // the checks ran on a path: a folder on it swapped for a symlink before open() escapes them
      const opened = symlinks === 'follow' ? undefined : await openedPath(handle);
      if (opened !== undefined && opened !== real) throw new Error('not the file checked');
      return { path: real, handle, stat: await handle.stat() };
    } catch {
      await handle.close();
      return undefined;
    }
  };

  return async (environ, startResponse) => {
    const method = environ.REQUEST_METHOD;
    if (method !== 'GET' && method !== 'HEAD') throw new MethodNotAllowed(ALLOW);
    // '' is the mount point itself (`/assets` under urlMap): a folder, so it gets the 301 to `/assets/`
    const pathInfo = environ.PATH_INFO ?? '';
    const parsed = safeSegments(pathInfo);
    if (parsed === 'malformed') throw new NotFound();
    if (parsed.dotfile && dotfiles !== 'allow') throw dotfiles === 'deny' ? new Forbidden() : new NotFound();
    let segments = parsed.segments;
    let found = await locate(segments);
    if (found === undefined) throw new NotFound();
    if (found.stat.isDirectory()) {
      await found.handle.close();
      if (!pathInfo.endsWith('/')) return redirectToSlash(environ, segments, startResponse);
      found = undefined;
      for (const name of index || []) {
        const attempt = await locate([...segments, name]);
        if (attempt?.stat.isFile()) {
          found = attempt;
          segments = [...segments, name];
          break;
        }
        await attempt?.handle.close();
      }
      if (found === undefined) throw new NotFound();
    }
    if (!found.stat.isFile()) {
      await found.handle.close();
      throw new NotFound();
    }
    const type = mime.contentType(segments[segments.length - 1] ?? '') || 'application/octet-stream';
    const headers: HeaderList = [];
    let encodingSuffix = '';
    if (precompressed.length > 0 && !/^(?:image\/(?!svg)|video\/|audio\/|font\/)/.test(type)) {
      headers.push(['Vary', 'Accept-Encoding']);
      const encoding = negotiateEncoding(environ.HTTP_ACCEPT_ENCODING, precompressed);
      if (encoding === 'br' || encoding === 'gzip') {
        const name = segments[segments.length - 1] as string;
        const variant = await locate([...segments.slice(0, -1), name + SUFFIX[encoding]]);
        if (variant?.stat.isFile()) {
          await found.handle.close();
          found = variant;
          encodingSuffix = `-${encoding}`;
          headers.push(['Content-Encoding', encoding]);
        } else await variant?.handle.close();
      }
    }
    return respond(environ, startResponse, found, type, headers, encodingSuffix);
  };

  async function respond(
    environ: Environ,
    startResponse: Parameters<App>[1],
    { handle, stat }: Found,
    type: string,
    headers: HeaderList,
    etagSuffix: string,
  ) {
    const size = stat.size;
    const etag = `"${size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}${etagSuffix}"`;
    const lastModified = stat.mtime.toUTCString();
    headers.push(['ETag', etag], ['Last-Modified', lastModified], ['Cache-Control', cacheControl]);
    try {
      if (notModified(environ, etag, stat.mtimeMs)) {
        await handle.close();
        startResponse('304 Not Modified', headers);
        return [];
      }
      headers.push(['Accept-Ranges', 'bytes']);
      const range =
        environ.REQUEST_METHOD === 'GET' && ifRangeHolds(environ.HTTP_IF_RANGE, etag, stat.mtimeMs)
          ? parseRange(environ.HTTP_RANGE, size, { maxRanges })
          : { kind: 'whole' as const };
      if (range.kind === 'unsatisfiable') {
        await handle.close();
        throw new HTTPError(416, 'Range Not Satisfiable', {
          headers: [['Content-Range', `bytes */${size}`]],
        });
      }
      let parts: FilePart[];
      let status = '200 OK';
      let length = size;
      if (range.kind === 'ranges' && range.ranges.length === 1) {
        const only = range.ranges[0] as ByteRange;
        status = '206 Partial Content';
        headers.push(['Content-Range', `bytes ${only.start}-${only.end}/${size}`]);
        parts = [only];
        length = only.end - only.start + 1;
      } else if (range.kind === 'ranges') {
        const boundary = randomBytes(12).toString('hex');
        const multipart = multipartParts(range.ranges, size, type, boundary);
        status = '206 Partial Content';
        type = `multipart/byteranges; boundary=${boundary}`;
        parts = multipart.parts;
        length = multipart.length;
      } else parts = size === 0 ? [] : [{ start: 0, end: size - 1 }];
      headers.push(['Content-Type', type], ['Content-Length', String(length)]);
      if (environ.REQUEST_METHOD === 'HEAD' || length === 0) {
        await handle.close();
        startResponse(status, headers);
        return [];
      }
      if (parts.length === 1 && length <= SMALL_FILE) {
        const bytes = await readWhole(handle, parts[0] as ByteRange);
        await handle.close();
        startResponse(status, headers);
        return [bytes];
      }
      startResponse(status, headers);
      return fileBody(handle, parts);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }
}

/** The 301 to the slash form, built from the checked segments: no input echoed, no `//host`. */
function redirectToSlash(environ: Environ, segments: readonly string[], startResponse: Parameters<App>[1]) {
  const path = `${environ.SCRIPT_NAME}/${segments.join('/')}/`.replace(/\/{2,}/g, '/');
  const query = environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : '';
  startResponse('301 Moved Permanently', [
    ['Location', encodePath(path) + query],
    ['Content-Type', 'text/plain; charset=utf-8'],
  ]);
  return ['Redirecting to the folder.\n'];
}

/** If-None-Match (weak comparison) first; If-Modified-Since only without it (RFC 9110 §13.2.2). */
function notModified(environ: Environ, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = environ.HTTP_IF_NONE_MATCH;
  if (ifNoneMatch !== undefined) {
    const bare = etag.replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === bare;
    });
  }
  const since =
    environ.HTTP_IF_MODIFIED_SINCE === undefined ? Number.NaN : Date.parse(environ.HTTP_IF_MODIFIED_SINCE);
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** If-Range: a strong ETag equal to ours, or our Last-Modified date exactly; else send it all. */
function ifRangeHolds(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}

/**
 * The real path of the file `handle` is open on, as the kernel names it (Linux's
 * `/proc/self/fd`): what was opened, not what a path led to a moment before. Elsewhere Node
 * has no way to ask, and the path checked before open() is all there is.
 */
async function openedPath(handle: FileHandle): Promise<string | undefined> {
  if (!procFd) return undefined;
  return readlink(`/proc/self/fd/${handle.fd}`);
}
const procFd = process.platform === 'linux' && existsSync('/proc/self/fd');

/** A plain file name (an index option), or undefined. */
function safeName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const parsed = safeSegments(name);
  return parsed !== 'malformed' && parsed.segments.length === 1 && !name.includes('/') ? name : undefined;
}
