import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { endToEndHeaders } from '../../http/hop-by-hop.js';
import type { Environ, HeaderList } from '../../types.js';

/** The status line and headers a Node listener's response produced. */
export interface Head {
  status: number;
  reason: string;
  headers: HeaderList;
}

/** A Node write or end callback. */
export type Callback = (error?: Error | null) => void;

/** Where the emulated response sends what the listener writes: the exchange that makes it a tsgi response. */
export interface ResponseOutput {
  readonly environ: Environ;
  /** True while written chunks wait for the server to pull them (`res.writableNeedDrain`). */
  needDrain(): boolean;
  /** The head went out (`writeHead()`, or the first `write()` or `end()`). */
  head(head: Head): void;
  /** A body chunk; true only if the server took it at once (else `'drain'` follows). */
  push(bytes: Uint8Array, callback: Callback | undefined): boolean;
  /** `end()` was called: no more chunks come. */
  end(): void;
  /** `res.destroy()`: the listener gives up on the connection. */
  destroy(error?: Error): void;
}

// node:http's own writeHead: it validates the status and reason, and marks the head as sent
const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  status: number,
  reason?: string,
) => ServerResponse;

/**
 * A real `ServerResponse` whose output goes to `output` instead of a socket: `writeHead`,
 * `write`, `end` and the rest behave as on node:http (HEAD, 1xx, 204 and 304 drop body bytes;
 * an `end()` before the head sets Content-Length), so that Express and its middleware work
 * unchanged. Own properties, not a subclass: Express swaps the prototype of res for its own.
 */
export function emulateResponse(
  req: IncomingMessage,
  socket: object,
  output: ResponseOutput,
): ServerResponse {
  const res = new ServerResponse(req);
  // not assignSocket(): that would make node:http write to it; on-finished only listens to it
  Object.assign(res, { socket });
  const hasBody = (): boolean => {
    const status = res.statusCode;
    return req.method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
  };
  const writeHead = (status: number, reason?: unknown, headers?: unknown): ServerResponse => {
    if (typeof reason !== 'string') [headers, reason] = [reason, undefined];
    copyHeaders(res, headers);
    nodeWriteHead.call(res, status, reason as string | undefined);
    output.head(headOf(res));
    return res;
  };
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    const done = callback as Callback | undefined;
    if (res.writableEnded || res.destroyed) {
      writeFailed(
        res,
        output.environ,
        new Error(res.destroyed ? 'write after the response was destroyed' : 'write after end'),
        done,
      );
      return false;
    }
    const bytes = toBytes(chunk, encoding);
    if (!res.headersSent) res.writeHead(res.statusCode);
    if (bytes.byteLength === 0 || !hasBody()) {
      if (done) process.nextTick(done);
      return true;
    }
    return output.push(bytes, done);
  };
  const end = (chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse => {
    if (typeof chunk === 'function') [callback, chunk] = [chunk, undefined];
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    const done = callback as Callback | undefined;
    if (res.destroyed) return res;
    if (res.writableEnded) {
      if (done) {
        if (res.writableFinished) process.nextTick(done, new Error('end() after the response finished'));
        else res.once('finish', done);
      }
      return res;
    }
    const bytes = chunk === undefined || chunk === null ? new Uint8Array(0) : toBytes(chunk, encoding);
    // as node:http does: a response ended before its head went out gets its length
    if (
      !res.headersSent &&
      hasBody() &&
      !res.hasHeader('content-length') &&
      !res.hasHeader('transfer-encoding')
    ) {
      res.setHeader('Content-Length', bytes.byteLength);
    }
    if (bytes.byteLength > 0) write(bytes);
    else if (!res.headersSent) res.writeHead(res.statusCode);
    if (done) res.once('finish', done);
    res.finished = true;
    output.end();
    return res;
  };
  Object.assign(res, {
    writeHead,
    write,
    end,
    flushHeaders: () => {
      if (!res.headersSent) res.writeHead(res.statusCode);
    },
    // the tsgi server answers `Expect: 100-continue` itself when the body is read
    writeContinue: () => {},
    writeProcessing: () => {},
    writeEarlyHints: (hints: Record<string, string | string[]>, callback?: () => void) => {
      const link = hints.link ?? hints.Link;
      if (link !== undefined) output.environ['tsgi.early_hints'](Array.isArray(link) ? link : [link]);
      if (callback) process.nextTick(callback);
    },
    destroy: (error?: Error) => {
      output.destroy(error);
      return res;
    },
  });
  Object.defineProperty(res, 'writableNeedDrain', { get: () => output.needDrain() && !res.destroyed });
  return res;
}

/** The head as the listener set it: the header names in the case it gave, hop-by-hop dropped. */
function headOf(res: ServerResponse): Head {
  const pairs: HeaderList = [];
  // getRawHeaderNames() keeps the case the listener gave (Node >= 15.13; missing from @types/node 20)
  for (const name of (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames()) {
    const value = res.getHeader(name);
    if (Array.isArray(value)) for (const item of value) pairs.push([name, String(item)]);
    else if (value !== undefined) pairs.push([name, String(value)]);
  }
  return { status: res.statusCode, reason: res.statusMessage, headers: endToEndHeaders(pairs) };
}

/** node:http emits `'error'` on the response for a write after end; unheard, that would crash the process. */
function writeFailed(
  res: ServerResponse,
  environ: Environ,
  error: Error,
  callback: Callback | undefined,
): void {
  process.nextTick(() => {
    callback?.(error);
    if (res.listenerCount('error') > 0) res.emit('error', error);
    else environ['tsgi.errors'].write(`tsgi fromNode: ${error.message}\n`);
  });
}

/** Chunk bytes as node:http accepts them: a string (in `encoding`) or a Uint8Array. */
function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(`The "chunk" argument must be of type string or an instance of Buffer or Uint8Array`);
}

/** `writeHead(status, headers)` headers, stored like `setHeader()` so they are all read back one way. */
function copyHeaders(res: ServerResponse, headers: unknown): void {
  if (headers === undefined || headers === null) return;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const [name, value] of headers as Array<[string, string | string[]]>)
        res.appendHeader(name, value);
      return;
    }
    // flat [name, value, name, value…]: these replace earlier ones of the same name
    for (let i = 0; i < headers.length; i += 2) res.removeHeader(headers[i] as string);
    for (let i = 0; i < headers.length; i += 2)
      res.appendHeader(headers[i] as string, headers[i + 1] as string);
    return;
  }
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (value !== undefined) res.setHeader(name, value);
  }
}
