import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { contentLengthValue } from '../../body/content-length.js';
import { createEnviron, stderrErrors } from '../../environ.js';
import { errorPage } from '../../error-page.js';
import { BadRequest, ContentTooLarge, HTTPError, isHTTPError } from '../../errors.js';
import { runApp } from '../../run-app.js';
import type { App, Environ, ErrorStream } from '../../types.js';
import { type AccessLogOption, accessLogger, LoggedSink } from './access-log.js';
import { isClosing, noteLastResponse } from './closing.js';
import { withDebugPage } from './debug.js';
import { NodeInput, Readers, type ReadingConnection } from './input.js';
import { NodeSink } from './sink.js';

/** Options of {@link toNodeListener}, shared with {@link serve}. */
export interface ListenerOptions {
  /** Where `tsgi.errors` goes. Default: standard error. */
  errors?: ErrorStream;
  /** Largest request body, in bytes: a larger Content-Length is a 413 before the app runs. Default 16 MiB. */
  maxBodySize?: number;
  /** Sets `tsgi.multiprocess`: true when other processes serve the same app. Default false. */
  multiprocess?: boolean;
  /**
   * Logs one line per response when its body is done (or cut short), in the Common Log Format
   * by default (`true`), or `'combined'`/`'json'`, to standard output unless `write` is given.
   */
  accessLog?: AccessLogOption;
  /**
   * Development only: an error before the response started answers with the debug page (the
   * stack and the environ, escaped) instead of a bare 500. Never in production.
   */
  debug?: boolean;
}

/** Handles one node:http request; `expectsContinue` when it came through `'checkContinue'`. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => void;

/** Where the server listens, for `SERVER_NAME`/`SERVER_PORT`: read per request, set once bound. */
export interface LocalAddress {
  name: string | undefined;
  port: string | undefined;
}

const MiB = 1024 * 1024;

/**
 * The request handler behind {@link serve} and {@link toNodeListener}: an environ from the
 * request, then the app through `runApp`. Without a `local` address, `SERVER_NAME` and
 * `SERVER_PORT` come from the socket's local end.
 */
export function createHandler(app: App, options: ListenerOptions, local?: LocalAddress): RequestHandler {
  const errors = options.errors ?? stderrErrors;
  const maxBodySize = options.maxBodySize ?? 16 * MiB;
  const multiprocess = options.multiprocess ?? false;
  const served = options.debug === true ? withDebugPage(app) : app;
  const log = accessLogger(options.accessLog);

  return (req, res, expectsContinue) => {
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
        scheme: connection.scheme,
        serverName: local?.name ?? req.socket.localAddress ?? '',
        serverPort: local?.port ?? String(req.socket.localPort ?? ''),
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
    // read once, without Number()'s runtime call (see contentLengthValue): -1 when chunked, 0 without a body
    const length = environ.CONTENT_LENGTH;
    const bodyLength =
      length !== undefined
        ? contentLengthValue(length)
        : environ.HTTP_TRANSFER_ENCODING === undefined
          ? 0
          : -1;
    if (length !== undefined && bodyLength > maxBodySize) {
      refuse(req, res, new ContentTooLarge(`The request body is larger than ${maxBodySize} bytes`));
      return;
    }
    const bodyless = req.method === 'HEAD';
    runApp(
      served,
      environ,
      log === undefined
        ? new NodeSink(res, bodyless, bodyLength)
        : new LoggedSink(res, bodyless, bodyLength, environ, log),
    );
  };
}

/**
 * A Node `(req, res)` request listener that runs a tsgi app, for embedding one where Node
 * expects a listener: your own `node:http`/`node:https` server, or a framework that takes one.
 * `tsgi.url_scheme` is `https` on a TLS socket; `SERVER_NAME`/`SERVER_PORT` are the socket's
 * local address. node:http answers `Expect: 100-continue` itself unless the server has a
 * `'checkContinue'` listener: pass the same listener there to send the 100 only when the app reads.
 * @example
 * const listener = toNodeListener(app);
 * const server = https.createServer({ key, cert }, listener).on('checkContinue', listener.checkContinue);
 */
export function toNodeListener(
  app: App,
  options: ListenerOptions = {},
): ((req: IncomingMessage, res: ServerResponse) => void) & {
  checkContinue(req: IncomingMessage, res: ServerResponse): void;
} {
  const handle = createHandler(app, options);
  const listener = (req: IncomingMessage, res: ServerResponse) => handle(req, res, false);
  return Object.assign(listener, {
    checkContinue: (req: IncomingMessage, res: ServerResponse) => handle(req, res, true),
  });
}

/** What every request on one connection shares, computed once per connection. */
interface Connection extends ReadingConnection {
  readonly remoteAddr: string;
  readonly remotePort: string;
  readonly scheme: 'http' | 'https';
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
      scheme: (socket as TLSSocket).encrypted === true ? 'https' : 'http',
      signal: controller.signal,
      reading: new Readers(),
    };
    socket.once('close', () => {
      opened.reading.abortAll();
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
