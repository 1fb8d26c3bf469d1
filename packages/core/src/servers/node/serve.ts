import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createEnviron, stderrErrors } from '../../environ.js';
import { errorPage } from '../../error-page.js';
import { BadRequest, ContentTooLarge, HTTPError, isHTTPError } from '../../errors.js';
import { runApp } from '../../run-app.js';
import type { App, Environ, ErrorStream } from '../../types.js';
import { answerClientError } from './client-error.js';
import { closeLingeringly, isClosing, noteLastResponse } from './closing.js';
import { NodeInput, type ReadingConnection } from './input.js';
import { NodeSink } from './sink.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Address to bind. Default `127.0.0.1`; `0.0.0.0` or `::` to accept other machines. */
  host?: string;
  /** Port to bind; `0` picks a free one. Default 8000. */
  port?: number;
  /** Print `Serving on http://HOST:PORT` once listening (to stdout, or to this function). */
  announce?: boolean | ((line: string) => void);
  /** Where `tsgi.errors` goes. Default: standard error. */
  errors?: ErrorStream;
  /** Largest request body, in bytes: a larger Content-Length is a 413 before the app runs. Default 16 MiB. */
  maxBodySize?: number;
  /** Largest request head (request line and headers), in bytes: larger is a 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /**
   * Milliseconds an idle keep-alive connection stays open. Default 5 s. Behind a load balancer
   * or proxy that keeps connections to the server open (nginx's upstream `keepalive`, AWS ALB),
   * make it longer than the balancer's idle timeout: the balancer must be the one to close an
   * idle connection, or it may send a request on one the server is closing, and fail it.
   */
  keepAliveTimeout?: number;
  /** Milliseconds a client has to send the request head. Default 60 s. */
  headersTimeout?: number;
  /** Milliseconds a client has to send the whole request. Default 300 s. */
  requestTimeout?: number;
  /**
   * Milliseconds between the checks of `headersTimeout` and `requestTimeout`: a timeout holds
   * to within this. Default 1 s (node's own default, 30 s, let a 2 s timeout run 30 s).
   */
  connectionsCheckingInterval?: number;
  /**
   * Requests answered on one keep-alive connection before the server closes it (the last
   * response says `Connection: close`), so that long-lived connections spread over workers
   * and backends again. `0` for no limit. Default 1000, as nginx.
   */
  maxRequestsPerConnection?: number;
  /** Milliseconds `close()` waits for requests in flight before cutting them. Default 10 s. */
  closeTimeout?: number;
  /**
   * Sets `tsgi.multiprocess`: true when other processes serve the same app (`node:cluster`
   * workers, say). Default false.
   */
  multiprocess?: boolean;
}

/** A running server. */
export interface ServerHandle {
  /** The bound address and port. */
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** The underlying node:http server. */
  readonly server: Server;
  /** Stops accepting, lets requests in flight finish (up to `closeTimeout`), then resolves. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * Serves a tsgi app on node:http, with keep-alive, timeouts and limits.
 * @example
 * const server = await serve(app, { port: 8000, announce: true });
 * // later: await server.close();
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<ServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const errors = options.errors ?? stderrErrors;
  const maxBodySize = options.maxBodySize ?? 16 * MiB;
  const multiprocess = options.multiprocess ?? false;
  let serverPort = '';

  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    if (isClosing(req.socket)) {
      req.resume(); // pipelined after the last response: read only to be dropped, never answered
      return;
    }
    const connection = connectionOf(req.socket);
    if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) {
      refuse(req, res, unsupportedVersion(req));
      return;
    }
    let environ: Environ;
    try {
      environ = createEnviron({
        method: req.method as string,
        target: req.url as string,
        rawHeaders: req.rawHeaders,
        input: new NodeInput(req, res, connection, expectsContinue, maxBodySize),
        protocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
        serverName: host,
        serverPort,
        remoteAddr: connection.remoteAddr,
        remotePort: connection.remotePort,
        errors,
        signal: connection.signal,
        earlyHints: (links) => sendEarlyHints(req, res, links),
        multiprocess,
      });
    } catch (error) {
      refuse(req, res, isHTTPError(error) ? error : new BadRequest(undefined, { cause: error }));
      return;
    }
    if (environ.CONTENT_LENGTH !== undefined && Number(environ.CONTENT_LENGTH) > maxBodySize) {
      refuse(req, res, new ContentTooLarge(`The request body is larger than ${maxBodySize} bytes`));
      return;
    }
    const bodyLength =
      environ.CONTENT_LENGTH !== undefined
        ? Number(environ.CONTENT_LENGTH)
        : environ.HTTP_TRANSFER_ENCODING === undefined
          ? 0
          : -1;
    runApp(app, environ, new NodeSink(res, req.method === 'HEAD', bodyLength));
  };

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
      keepAliveTimeout: options.keepAliveTimeout ?? 5000,
      headersTimeout: options.headersTimeout ?? 60_000,
      requestTimeout: options.requestTimeout ?? 300_000,
      connectionsCheckingInterval: options.connectionsCheckingInterval ?? 1000,
    },
    (req, res) => handle(req, res, false),
  );
  server.maxRequestsPerSocket = options.maxRequestsPerConnection ?? 1000;
  server.on('connection', closeLingeringly);
  server.on('clientError', answerClientError);
  server.on('checkContinue', (req, res) => handle(req, res, true));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  serverPort = String(address.port);
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  if (options.announce) {
    const line = `Serving on ${url}`;
    if (typeof options.announce === 'function') options.announce(line);
    else console.log(line);
  }
  return {
    host: address.address,
    port: address.port,
    url,
    server,
    close: () => closeGracefully(server, options.closeTimeout ?? 10_000),
  };
}

/** What every request on one connection shares, computed once per connection. */
interface Connection extends ReadingConnection {
  readonly remoteAddr: string;
  readonly remotePort: string;
  /** Fires when the connection closes: the client went away (or the server cut it). */
  readonly signal: AbortSignal;
}

const connections = new WeakMap<Socket, Connection>();

function connectionOf(socket: Socket): Connection {
  let connection = connections.get(socket);
  if (connection === undefined) {
    const controller = new AbortController();
    // every request on the connection may listen (fetch(url, { signal }) does): no leak warning
    setMaxListeners(0, controller.signal);
    const opened: Connection = {
      remoteAddr: socket.remoteAddress ?? '',
      remotePort: String(socket.remotePort ?? ''),
      signal: controller.signal,
      reading: new Set(),
    };
    socket.once('close', () => {
      for (const reader of opened.reading) reader.abort();
      controller.abort(new Error('The client went away'));
    });
    connection = opened;
    connections.set(socket, connection);
  }
  return connection;
}

/** A 103 only before the response and only to HTTP/1.1 clients (HTTP/1.0 knows no 1xx). */
function sendEarlyHints(req: IncomingMessage, res: ServerResponse, links: string[]): void {
  if (res.headersSent || req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return;
  res.writeEarlyHints({ link: links });
}

/**
 * Answers a request the server refuses before any app runs (bad path, body too large) with the
 * error's page, as if the app had thrown it, and closes the connection: the request's body,
 * if any, is unread and would otherwise be taken for the next request.
 */
function refuse(req: IncomingMessage, res: ServerResponse, error: HTTPError): void {
  const page = errorPage(error, req.headers.accept);
  res.writeHead(page.status, page.reason, [...page.headers.flat(), 'Connection', 'close']);
  res.shouldKeepAlive = false;
  noteLastResponse(res);
  res.end(page.body);
}

/** 505 for a version other than HTTP/1.0 and 1.1; HTTP/0.9 has no headers to answer with, so 400. */
function unsupportedVersion(req: IncomingMessage): HTTPError {
  const version = `HTTP/${req.httpVersion}`;
  if (req.httpVersionMajor === 0) return new BadRequest(`${version} is not supported`);
  return new HTTPError(505, `${version} is not supported: send HTTP/1.1 or HTTP/1.0`);
}

function closeGracefully(server: Server, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeout);
    timer.unref();
    // node closes only the connections idle at close(): one whose request finishes later would
    // stay open for keepAliveTimeout. Sweep those until the last connection is gone.
    const sweep = setInterval(() => server.closeIdleConnections(), 10);
    sweep.unref();
    server.close((error) => {
      clearTimeout(timer);
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
