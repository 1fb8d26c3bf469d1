import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { App } from '../../types.js';
import { answerClientError } from './client-error.js';
import { closeLingeringly } from './closing.js';
import type { ClusterOptions, PrimaryHandle } from './cluster-options.js';
import { createHandler, type ListenerOptions, type LocalAddress } from './listener.js';
import { workerSettings } from './protocol.js';
import { reportFatal, runWorker } from './worker.js';
import { startCluster } from './workers.js';

/** Options of {@link serve}. */
export interface ServeOptions extends ListenerOptions {
  /** Address to bind. Default `127.0.0.1`; `0.0.0.0` or `::` to accept other machines. */
  host?: string;
  /** Port to bind; `0` picks a free one. Default 8000. */
  port?: number;
  /** Print `Serving on http://HOST:PORT` once listening (to stdout, or to this function). */
  announce?: boolean | ((line: string) => void);
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
   * Serve HTTPS (node:https) with this key and certificate (PEM), and any other
   * `tls.createServer` option; `tsgi.url_scheme` is then `https`.
   */
  tls?: TlsOptions;
}

/** `serve()` options that run the app in `workers` processes (node:cluster, prefork). */
export interface ClusterServeOptions extends ServeOptions, Omit<ClusterOptions, 'workers'> {
  /** Worker processes to run: see {@link ClusterOptions}. */
  workers: number;
}

/** A running server. */
export interface ServerHandle {
  /** The bound address and port. */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (`https://` with `tls`). */
  readonly url: string;
  /** The underlying node:http (or node:https) server. */
  readonly server: Server;
  /** Stops accepting, lets requests in flight finish (up to `closeTimeout`), then resolves. */
  close(): Promise<void>;
}

/**
 * Serves a tsgi app on node:http (or node:https with `tls`), with keep-alive, timeouts and limits.
 *
 * With `workers`, node:cluster's model: the same script runs in the primary and in each worker.
 * In the primary, `serve()` forks the workers, supervises them and resolves with a
 * {@link PrimaryHandle} (the app is built there but never called); in each worker it serves and
 * resolves with the worker's {@link ServerHandle}. See docs/server.md.
 * @example
 * const server = await serve(app, { port: 8000, announce: true });
 * // later: await server.close();
 */
export function serve(app: App, options: ClusterServeOptions): Promise<ServerHandle | PrimaryHandle>;
export function serve(app: App, options?: ServeOptions): Promise<ServerHandle>;
export async function serve(
  app: App,
  options: ServeOptions | ClusterServeOptions = {},
): Promise<ServerHandle | PrimaryHandle> {
  if ('workers' in options && options.workers !== undefined) {
    const settings = workerSettings();
    if (settings === undefined) {
      if (!cluster.isPrimary) {
        throw new Error(
          'serve: { workers } in a node:cluster worker that tsgi did not fork (another process manager forks it): drop the option and let that manager run the processes',
        );
      }
      const primary = await startCluster(options, options.tls ? 'https' : 'http');
      announce(options.announce, `Serving on ${primary.url} with ${options.workers} workers`);
      return primary;
    }
    let handle: ServerHandle;
    try {
      handle = await serveOne(app, { ...options, announce: false, multiprocess: true });
    } catch (error) {
      reportFatal(error);
      throw error;
    }
    runWorker(handle, settings);
    return handle;
  }
  return serveOne(app, options);
}

async function serveOne(app: App, options: ServeOptions): Promise<ServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const local: LocalAddress = { name: host, port: undefined };
  const handle = createHandler(app, options, local);
  const settings = {
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    keepAliveTimeout: options.keepAliveTimeout ?? 5000,
    headersTimeout: options.headersTimeout ?? 60_000,
    requestTimeout: options.requestTimeout ?? 300_000,
    connectionsCheckingInterval: options.connectionsCheckingInterval ?? 1000,
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => handle(req, res, false);
  const server: Server = options.tls
    ? createHttpsServer({ ...settings, ...options.tls }, listener)
    : createServer(settings, listener);
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.maxRequestsPerSocket = options.maxRequestsPerConnection ?? 1000;
  // node:http ends the TLS socket, not the TCP one 'connection' gives on node:https
  server.on(options.tls ? 'secureConnection' : 'connection', closeLingeringly);
  server.on('clientError', answerClientError);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  local.port = String(address.port);
  const url = `${options.tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  announce(options.announce, `Serving on ${url}`);
  return {
    host: address.address,
    port: address.port,
    url,
    server,
    close: () => closeGracefully(server, options.closeTimeout ?? 10_000),
  };
}

function announce(option: ServeOptions['announce'], line: string): void {
  if (typeof option === 'function') option(line);
  else if (option) console.log(line);
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
