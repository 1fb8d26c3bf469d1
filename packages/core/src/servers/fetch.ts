import { streamChunks } from '../body/streams.js';
import { createEnviron, emptyInput } from '../environ.js';
import { errorPage } from '../error-page.js';
import { type HTTPError, isHTTPError } from '../errors.js';
import { isBodylessStatus } from '../http/syntax.js';
import { type ResponseSink, runApp } from '../run-app.js';
import type { App, Chunk, Environ, ErrorStream, HeaderList } from '../types.js';

/** Where a request came from, as a runtime reports it. */
export interface ClientAddress {
  address: string;
  port?: number | string;
}

/** Options of {@link toFetch}. */
export interface ToFetchOptions<Context = unknown> {
  /**
   * The client's address (`REMOTE_ADDR`, `REMOTE_PORT`), from the request and whatever the runtime
   * passes beside it. Bun: `(req, server) => server.requestIP(req)`; Deno:
   * `(req, info) => ({ address: info.remoteAddr.hostname, port: info.remoteAddr.port })`;
   * @hono/node-server: `(req, env) => ({ address: env.incoming.socket.remoteAddress })`.
   * Without it, `REMOTE_ADDR` is `''`.
   */
  clientAddress?(request: Request, context: Context | undefined): ClientAddress | string | null | undefined;
  /** Where `tsgi.errors` writes. Default: `console.error`, which every runtime has. */
  errors?: ErrorStream;
}

/** A fetch handler made by {@link toFetch}; the second argument is what the runtime passes beside the request. */
export type TsgiFetchHandler<Context = unknown> = (request: Request, context?: Context) => Promise<Response>;

const consoleErrors: ErrorStream = { write: (message) => console.error(message.replace(/\n$/, '')) };

// Bytes the response stream buffers before the app must wait for the consumer.
const HIGH_WATER_MARK = 16 * 1024;

/**
 * Makes a tsgi app a WHATWG fetch handler, for Bun, Deno, workers or Hono's `serve`.
 * The response body streams (the app is pulled only as fast as the consumer reads),
 * `tsgi.signal` fires when `request.signal` does or the consumer cancels the body (which also
 * calls the app body's `close()`), an error before the headers is a 500 (or the thrown
 * `HTTPError`), and an error after them errors the stream, so the response never looks whole.
 * @example
 * export default { fetch: toFetch(app) }; // Bun, Deno, workers
 * Bun.serve({ fetch: toFetch(app, { clientAddress: (req, server) => server.requestIP(req) }) });
 */
export function toFetch<Context = unknown>(
  app: App,
  options: ToFetchOptions<Context> = {},
): TsgiFetchHandler<Context> {
  return (request, context) =>
    new Promise<Response>((respond, reject) => {
      const gone = new AbortController();
      let environ: Environ;
      try {
        environ = requestEnviron(request, gone.signal, options, context);
      } catch (error) {
        if (!isHTTPError(error)) throw error;
        respond(refusal(request, error));
        return;
      }
      if (request.signal.aborted) {
        reject(request.signal.reason);
        return;
      }
      const sink = new StreamSink(request.method === 'HEAD', gone, respond, reject);
      const followClient = () => gone.abort(request.signal.reason);
      request.signal.addEventListener('abort', followClient, { once: true });
      sink.onFinished(() => request.signal.removeEventListener('abort', followClient));
      runApp(app, environ, sink);
    });
}

function requestEnviron<Context>(
  request: Request,
  signal: AbortSignal,
  options: ToFetchOptions<Context>,
  context: Context | undefined,
): Environ {
  const url = new URL(request.url);
  const rawHeaders: string[] = [];
  for (const [name, value] of request.headers) rawHeaders.push(name, value);
  // a Request made in code has no Host header; the URL says which host it is for
  if (!request.headers.has('host')) rawHeaders.push('host', url.host);
  const https = url.protocol === 'https:';
  const client = options.clientAddress?.(request, context);
  const remote = typeof client === 'string' ? { address: client } : client;
  return createEnviron({
    method: request.method,
    target: `${url.pathname}${url.search}`,
    rawHeaders,
    input: request.body === null ? emptyInput : streamChunks(request.body),
    scheme: https ? 'https' : 'http',
    serverName: url.hostname.replace(/^\[(.*)\]$/, '$1'), // an IPv6 address without its URL brackets
    serverPort: url.port || (https ? '443' : '80'),
    remoteAddr: remote?.address ?? '',
    remotePort: remote?.port === undefined ? '' : String(remote.port),
    errors: options.errors ?? consoleErrors,
    signal,
  });
}

/** The answer to a request refused before the app runs (an undecodable path): the error's page. */
function refusal(request: Request, error: HTTPError): Response {
  const page = errorPage(error, request.headers.get('accept') ?? undefined);
  const body = request.method === 'HEAD' ? null : page.body;
  return new Response(body, { status: page.status, statusText: page.reason, headers: page.headers });
}

const encoder = new TextEncoder();

/** The response as a WHATWG Response whose body stream the app feeds as the consumer pulls. */
class StreamSink implements ResponseSink {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly stream: ReadableStream<Uint8Array>;
  private responded = false;
  private open = true;
  private waiting: Array<() => void> = [];
  private finishedListeners: Array<() => void> = [];
  private goneListeners: Array<() => void> = [];

  constructor(
    readonly bodyless: boolean,
    private readonly gone: AbortController,
    private readonly respond: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.wake(),
        cancel: (reason) => {
          if (!this.open) return;
          this.open = false;
          this.gone.abort(reason ?? new Error('The client cancelled the response'));
          this.finish();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_MARK }),
    );
    gone.signal.addEventListener(
      'abort',
      () => {
        // the client went away: a response in progress must not look whole
        this.abort(gone.signal.reason);
        for (const listener of this.goneListeners) listener();
      },
      { once: true },
    );
  }

  sendHead(status: number, reason: string, headers: HeaderList): void {
    const nullBody = this.bodyless || isBodylessStatus(status);
    this.responded = true;
    this.respond(new Response(nullBody ? null : this.stream, { status, statusText: reason, headers }));
  }

  write(chunk: Chunk): boolean {
    if (!this.open) return true;
    this.controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    return (this.controller.desiredSize ?? 0) > 0;
  }

  drained(): Promise<void> {
    if (!this.open || (this.controller.desiredSize ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  end(last?: Chunk): void {
    if (!this.open) return;
    if (last !== undefined) this.write(last);
    this.open = false;
    this.controller.close();
    this.finish();
  }

  abort(error: unknown): void {
    if (!this.open) return;
    this.open = false;
    if (this.responded) this.controller.error(error);
    else this.reject(error);
    this.finish();
  }

  onGone(listener: () => void): void {
    this.goneListeners.push(listener);
  }

  /** Calls `listener` once the response is complete, aborted or cancelled. */
  onFinished(listener: () => void): void {
    this.finishedListeners.push(listener);
  }

  private finish(): void {
    this.wake();
    for (const listener of this.finishedListeners) listener();
    this.finishedListeners = [];
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
