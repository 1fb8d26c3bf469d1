import { AsyncResource } from 'node:async_hooks';
import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestHeaders } from '../../app/request.js';
import { ChunkQueue } from '../../body/chunk-queue.js';
import type { App, Body, Environ } from '../../types.js';
import { rawPathInfo, rawScriptName, targetWithinMount } from '../../url/raw-path.js';
import { toPlainError } from './plain-error.js';
import { type Callback, emulateResponse, type Head } from './response.js';
import { EmulatedSocket } from './socket.js';

/** A Node `(req, res)` request listener: an Express or Connect app, or a plain handler. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Makes a Node `(req, res)` listener — an Express 5 or Connect app — a tsgi app, so an existing
 * app mounts beside new ones in one process, on any tsgi server (node:http, CGI, fetch).
 *
 * The listener gets a real `IncomingMessage` that streams `tsgi.input`, and a real
 * `ServerResponse` whose output becomes the tsgi response (so tsgi middleware still sees it):
 * `res.write()` returns false once 16 KiB (`res.writableHighWaterMark`) wait for the server to pull them, then `'drain'`; `'finish'` and
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

/** One request through a Node listener: the emulated req/res and the tsgi response they produce. */
class NodeExchange {
  readonly socket: EmulatedSocket;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly head: Promise<Head>;
  readonly body: Body;
  private resolveHead!: (head: Head) => void;
  private rejectHead!: (error: unknown) => void;
  /** The body as the listener writes it, pulled by the server. */
  private readonly queue = new ChunkQueue<Uint8Array>({
    taken: (bytes) => this.taken(bytes),
    ended: () => this.finish(),
  });
  /** The write callbacks of the queued chunks, in the same order. */
  private callbacks: Array<Callback | undefined> = [];
  private queuedBytes = 0;
  private needDrain = false;
  private state: 'open' | 'finished' | 'aborted' = 'open';
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
    this.res = emulateResponse(this.req, this.socket, {
      environ,
      needDrain: () => this.needDrain,
      head: (head) => this.resolveHead(head),
      push: (bytes, callback) => this.push(bytes, callback),
      end: () => this.queue.end(),
      destroy: (error) => this.socket.destroy(error),
    });
    const next = (): Promise<IteratorResult<Uint8Array>> => this.queue.next();
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
      originalUrl: `${rawScriptName(environ)}${rawPathInfo(environ)}${query}` || '/',
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
        this.inputError = toPlainError(error);
        // no more request bytes will come: on-finished (body-parser) must not wait for them
        this.socket.readable = false;
        this.req.destroy(this.inputError);
      },
    );
  }

  /**
   * Hands a chunk to a waiting pull, or queues it. Like node:http, true while what waits is
   * below the response's high-water mark: a `false` there would pause a piped stream (a file of
   * `res.sendFile()`), to resume on a `'drain'` from the server's pull, outside the request's
   * AsyncLocalStorage context. A write callback runs in the context it was given in.
   */
  private push(bytes: Uint8Array, callback: Callback | undefined): boolean {
    if (this.queue.push(bytes)) {
      if (callback) process.nextTick(callback);
      return true;
    }
    this.callbacks.push(callback && AsyncResource.bind(callback));
    this.queuedBytes += bytes.byteLength;
    if (this.queuedBytes < this.res.writableHighWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  /** The server pulled a queued chunk: its write callback runs, and `'drain'` once none wait. */
  private taken(bytes: Uint8Array): void {
    this.queuedBytes -= bytes.byteLength;
    const callback = this.callbacks.shift();
    if (callback) process.nextTick(callback);
    if (this.queue.length === 0 && this.needDrain) {
      this.needDrain = false;
      process.nextTick(() => this.res.emit('drain'));
    }
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
    const { req, res, socket } = this;
    socket.destroy();
    if (!req.destroyed) req.destroy();
    res.destroyed = true;
    for (const callback of this.callbacks) if (callback) process.nextTick(callback, error as Error);
    this.callbacks = [];
    this.queue.clear();
    this.queuedBytes = 0;
    this.rejectHead(error);
    this.queue.fail(error);
    process.nextTick(() => res.emit('close'));
  }
}
