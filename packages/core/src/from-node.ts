import { IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EmulatedSocket } from './emulated-socket.js';
import { isHTTPError } from './errors.js';
import { endToEndHeaders } from './hop-by-hop.js';
import { encodePath, pathWithinMount, targetWithinMount } from './mount-target.js';
import { RequestHeaders } from './request.js';
import type { App, Body, Environ, HeaderList } from './types.js';

/** A Node `(req, res)` request listener: an Express or Connect app, or a plain handler. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Makes a Node `(req, res)` listener — an Express 5 or Connect app — a tsgi app, so an existing
 * app mounts beside new ones in one process, on any tsgi server (node:http, CGI, fetch).
 *
 * The listener gets a real `IncomingMessage` that streams `tsgi.input`, and a real
 * `ServerResponse` whose output becomes the tsgi response (so tsgi middleware still sees it):
 * `res.write()` returns false until the server pulls the chunk, then `'drain'`; `'finish'` and
 * `'close'` fire as on node:http; when the client goes away, `req` gets `'aborted'` and `'close'`.
 *
 * Mounting: `req.url` is the target within the mount (`PATH_INFO` and the query, as received),
 * `req.baseUrl` is `SCRIPT_NAME` and `req.originalUrl` is both, exactly as when Express mounts a
 * sub-app with `app.use('/legacy', sub)`. So Express routes see themselves at the root, and
 * links built with `req.baseUrl` point back inside the mount.
 * @example
 * const legacy = express().get('/users/:id', (req, res) => res.json({ id: req.params.id }));
 * serve(router().get('/', home).mount('/legacy', fromNode(legacy))); // router from @tsgi/router
 */
export function fromNode(listener: NodeListener): App {
  return (environ, startResponse) => {
    const exchange = new NodeExchange(environ);
    listener(exchange.req, exchange.res);
    return exchange.head.then(({ status, reason, headers }) => {
      startResponse(`${status} ${reason}`, headers);
      return exchange.body;
    });
  };
}

interface Head {
  status: number;
  reason: string;
  headers: HeaderList;
}

type Callback = (error?: Error | null) => void;

// node:http's own writeHead: it validates the status and reason, and marks the head as sent
const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  status: number,
  reason?: string,
) => ServerResponse;

interface Queued {
  bytes: Uint8Array;
  callback: Callback | undefined;
}

/** One request through a Node listener: the emulated req/res and the tsgi response they produce. */
class NodeExchange {
  readonly socket: EmulatedSocket;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly head: Promise<Head>;
  readonly body: Body;
  private resolveHead!: (head: Head) => void;
  private rejectHead!: (error: unknown) => void;
  private queue: Queued[] = [];
  private waiter: {
    resolve: (step: IteratorResult<Uint8Array>) => void;
    reject: (error: unknown) => void;
  } | null = null;
  private needDrain = false;
  private ended = false;
  private state: 'open' | 'finished' | 'aborted' = 'open';
  private abortError: unknown;
  private input: AsyncIterator<Uint8Array> | undefined;
  private inputError: Error | undefined;

  constructor(private readonly environ: Environ) {
    this.head = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.socket = new EmulatedSocket(environ, (error) =>
      this.abort(error ?? new Error('The connection was destroyed')),
    );
    this.req = this.createRequest();
    this.res = this.createResponse();
    const next = (): Promise<IteratorResult<Uint8Array>> => this.next();
    const close = (): void => this.abort(new Error('The client went away'));
    this.body = {
      [Symbol.asyncIterator]: () => ({
        next,
        return: async () => {
          close();
          return { done: true, value: undefined };
        },
      }),
      close,
    };
    const signal = environ['tsgi.signal'];
    const onAbort = (): void => this.abort(signal.reason ?? new Error('The client went away'));
    if (signal.aborted) queueMicrotask(onAbort);
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      this.res.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }

  private createRequest(): IncomingMessage {
    const environ = this.environ;
    const req = new IncomingMessage(this.socket as unknown as Socket);
    const protocol = /^HTTP\/(\d)\.(\d)$/.exec(environ.SERVER_PROTOCOL);
    req.httpVersionMajor = Number(protocol?.[1] ?? 1);
    req.httpVersionMinor = Number(protocol?.[2] ?? 1);
    req.httpVersion = `${req.httpVersionMajor}.${req.httpVersionMinor}`;
    req.method = environ.REQUEST_METHOD;
    req.url = targetWithinMount(environ);
    const query = environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : '';
    // what Express itself sets when it mounts a sub-app: it keeps them (router reads req.baseUrl)
    Object.assign(req, {
      baseUrl: environ.SCRIPT_NAME,
      originalUrl: `${encodePath(environ.SCRIPT_NAME)}${pathWithinMount(environ)}${query}` || '/',
    });
    const rawHeaders: string[] = [];
    const headers: Record<string, string> = {};
    for (const [name, value] of new RequestHeaders(environ)) {
      rawHeaders.push(name, value);
      headers[name] = value;
    }
    req.rawHeaders = rawHeaders;
    req.headers = headers;
    // Own properties, not a subclass: Express swaps the prototype of req and res for its own.
    req._read = () => this.readInput();
    req._destroy = (error, callback) => {
      // Destroyed after its end (autoDestroy), it just closes. A failed tsgi.input (a body over
      // the server's limit, say) is an error the listener answers. Else the connection goes too.
      if (error === null || error !== this.inputError) {
        if (!req.readableEnded || !req.complete) {
          req.aborted = true;
          req.emit('aborted');
          this.input?.return?.()?.catch(() => {});
          this.socket.destroy(error ?? undefined);
        }
      }
      callback(error);
    };
    return req;
  }

  private readInput(): void {
    if (this.input === undefined) {
      // what IncomingMessage's own _read does first: it starts out not reading ahead
      (this.req as unknown as { _readableState: { readingMore: boolean } })._readableState.readingMore =
        false;
      this.input = this.environ['tsgi.input'][Symbol.asyncIterator]();
    }
    this.input.next().then(
      (step) => {
        if (this.req.destroyed || this.req.readableEnded) return;
        if (step.done) {
          this.req.complete = true;
          this.req.push(null);
        } else this.req.push(step.value);
      },
      (error: unknown) => {
        this.inputError = nodeError(error);
        // no more request bytes will come: on-finished (body-parser) must not wait for them
        this.socket.readable = false;
        this.req.destroy(this.inputError);
      },
    );
  }

  private createResponse(): ServerResponse {
    const res = new ServerResponse(this.req);
    // not assignSocket(): that would make node:http write to it; on-finished only listens to it
    Object.assign(res, { socket: this.socket });
    const writeHead = (status: number, reason?: unknown, headers?: unknown): ServerResponse => {
      if (typeof reason !== 'string') [headers, reason] = [reason, undefined];
      copyHeaders(res, headers);
      nodeWriteHead.call(res, status, reason as string | undefined);
      this.sendHead();
      return res;
    };
    const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      const done = callback as Callback | undefined;
      if (res.writableEnded || res.destroyed) {
        this.writeFailed(
          new Error(res.destroyed ? 'write after the response was destroyed' : 'write after end'),
          done,
        );
        return false;
      }
      const bytes = toBytes(chunk, encoding);
      if (!res.headersSent) res.writeHead(res.statusCode);
      if (bytes.byteLength === 0 || !this.hasBody()) {
        if (done) process.nextTick(done);
        return true;
      }
      return this.push(bytes, done);
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
        this.hasBody() &&
        !res.hasHeader('content-length') &&
        !res.hasHeader('transfer-encoding')
      ) {
        res.setHeader('Content-Length', bytes.byteLength);
      }
      if (bytes.byteLength > 0) write(bytes);
      else if (!res.headersSent) res.writeHead(res.statusCode);
      if (done) res.once('finish', done);
      res.finished = true;
      this.ended = true;
      this.wake();
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
        if (link !== undefined) this.environ['tsgi.early_hints'](Array.isArray(link) ? link : [link]);
        if (callback) process.nextTick(callback);
      },
      destroy: (error?: Error) => {
        this.socket.destroy(error);
        return res;
      },
    });
    Object.defineProperty(res, 'writableNeedDrain', { get: () => this.needDrain && !res.destroyed });
    return res;
  }

  /** False for HEAD, 1xx, 204 and 304: node:http ignores writes to those, so do we. */
  private hasBody(): boolean {
    const status = this.res.statusCode;
    return this.req.method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
  }

  private sendHead(): void {
    const res = this.res;
    const pairs: HeaderList = [];
    // getRawHeaderNames() keeps the case the listener gave (Node >= 15.13; missing from @types/node 20)
    for (const name of (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames()) {
      const value = res.getHeader(name);
      if (Array.isArray(value)) for (const item of value) pairs.push([name, String(item)]);
      else if (value !== undefined) pairs.push([name, String(value)]);
    }
    this.resolveHead({ status: res.statusCode, reason: res.statusMessage, headers: endToEndHeaders(pairs) });
  }

  /** Hands a chunk to a waiting pull, or queues it: true only if it was taken at once. */
  private push(bytes: Uint8Array, callback: Callback | undefined): boolean {
    const waiter = this.waiter;
    if (waiter !== null && this.queue.length === 0) {
      this.waiter = null;
      waiter.resolve({ done: false, value: bytes });
      if (callback) process.nextTick(callback);
      return true;
    }
    this.queue.push({ bytes, callback });
    this.needDrain = true;
    return false;
  }

  /** The server pulls the next chunk of the body. */
  private next(): Promise<IteratorResult<Uint8Array>> {
    const item = this.queue.shift();
    if (item !== undefined) {
      if (item.callback) process.nextTick(item.callback);
      if (this.queue.length === 0 && this.needDrain) {
        this.needDrain = false;
        process.nextTick(() => this.res.emit('drain'));
      }
      return Promise.resolve({ done: false, value: item.bytes });
    }
    if (this.state === 'aborted') return Promise.reject(this.abortError);
    if (this.ended) {
      this.finish();
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Wakes a waiting pull when the response ended. */
  private wake(): void {
    if (this.waiter === null || this.queue.length > 0 || !this.ended) return;
    const waiter = this.waiter;
    this.waiter = null;
    this.finish();
    waiter.resolve({ done: true, value: undefined });
  }

  /** The server took the last byte: `'finish'`, then `'close'`, as node:http does. */
  private finish(): void {
    if (this.state !== 'open') return;
    this.state = 'finished';
    const { req, res } = this;
    res.emit('finish');
    process.nextTick(() => res.emit('close'));
    // a body the listener never read is not waited for: end the request so it closes
    if (this.input === undefined && !req.readableEnded && !req.destroyed) {
      req.complete = true;
      req.push(null);
      req.resume();
    }
  }

  /** The client went away, or the listener destroyed the connection: nothing more goes out. */
  private abort(error: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.abortError = error;
    const { req, res, socket } = this;
    socket.destroy();
    if (!req.destroyed) req.destroy();
    res.destroyed = true;
    for (const { callback } of this.queue) if (callback) process.nextTick(callback, error as Error);
    this.queue = [];
    this.rejectHead(error);
    this.waiter?.reject(error);
    this.waiter = null;
    process.nextTick(() => res.emit('close'));
  }

  /** node:http emits `'error'` on the response for a write after end; unheard, that would crash the process. */
  private writeFailed(error: Error, callback: Callback | undefined): void {
    process.nextTick(() => {
      callback?.(error);
      if (this.res.listenerCount('error') > 0) this.res.emit('error', error);
      else this.environ['tsgi.errors'].write(`tsgi fromNode: ${error.message}\n`);
    });
  }
}

/**
 * An error as Node code expects one: a plain object. An HTTPError is a function (it is an app),
 * which libraries such as http-errors reject; its status travels as `status`/`statusCode`.
 */
function nodeError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (!isHTTPError(error)) return error;
  return Object.assign(new Error(error.message, { cause: error }), {
    status: error.status,
    statusCode: error.status,
    expose: error.expose,
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
