// Start a real server for a test, and tear everything down after it.
//   const server = await startServer(validate(app));   …   afterEach(stopAll);
import type { Socket } from 'node:net';
import {
  type App,
  type Environ,
  finishValidation,
  type ServeOptions,
  type ServerHandle,
  serve,
} from '@tsgi/core';

/** A server on 127.0.0.1 with a free port, whose `tsgi.errors` lines are kept for the test to read. */
export interface TestServer extends ServerHandle {
  /** What the server and the app wrote to `tsgi.errors`, one message per entry. */
  readonly logs: string[];
  /** The environ of every request the app was called for, in order. */
  readonly environs: Environ[];
  /** Resolves once the server has seen `count` connections close (the client side is gone). */
  connectionsClosed(count?: number): Promise<void>;
}

export interface StartOptions extends ServeOptions {
  /**
   * Skip the `finishValidation` check in {@link stopAll}: for a test that breaks the contract
   * on purpose and expects the validator to object.
   */
  allowViolations?: boolean;
}

interface Running {
  server: TestServer;
  allowViolations: boolean;
  /** Resolves once every connection the server accepted has closed (its 'close' handlers ran). */
  allClosed(): Promise<void>;
}

const running: Running[] = [];
const sockets = new Set<Socket>();

/**
 * Serves `app` on 127.0.0.1, port 0. Wrap the app in `validate()` yourself: the test shows it.
 * @example
 * const server = await startServer(validate(app));
 * const response = await fetch(`${server.url}/x`);
 */
export async function startServer(app: App, options: StartOptions = {}): Promise<TestServer> {
  const { allowViolations = false, ...serveOptions } = options;
  const logs: string[] = [];
  const environs: Environ[] = [];
  const recording: App = (environ, startResponse) => {
    environs.push(environ);
    return app(environ, startResponse);
  };
  const handle = await serve(recording, {
    errors: { write: (message) => logs.push(message) },
    ...serveOptions,
    host: '127.0.0.1',
    port: 0,
  });
  let closedConnections = 0;
  const open = new Set<Socket>();
  const waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  handle.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closedConnections++;
      for (const waiter of waiters.filter((w) => w.ready())) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  const when = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      if (ready()) resolve();
      else waiters.push({ ready, resolve });
    });
  const server: TestServer = {
    host: handle.host,
    port: handle.port,
    url: handle.url,
    server: handle.server,
    close: () => handle.close(),
    logs,
    environs,
    connectionsClosed: (count = 1) => when(() => closedConnections >= count),
  };
  running.push({ server, allowViolations, allClosed: () => when(() => open.size === 0) });
  return server;
}

/** Remembers a client socket so that {@link stopAll} destroys it if the test did not. */
export function track(socket: Socket): Socket {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

/**
 * Destroys leftover client sockets, closes every server a test started (cutting requests
 * still in flight), then checks each request with `finishValidation` — so that a body never
 * closed, or a violation the server only logged, fails the test. Use as `afterEach(stopAll)`.
 */
export async function stopAll(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  const stopping = running.splice(0);
  await Promise.all(
    stopping.map(async ({ server, allClosed }) => {
      // a test may have closed it already
      const closed = server.server.listening ? server.close() : undefined;
      server.server.closeAllConnections();
      await closed;
      // a body cut short is closed on its socket's 'close' event, which may come after the server's
      await allClosed();
    }),
  );
  for (const { server, allowViolations } of stopping) {
    if (allowViolations) continue;
    for (const environ of server.environs) finishValidation(environ);
  }
}

/** Serves `app` on 127.0.0.1 for the length of `test`, then closes the server (whatever happens). */
export async function withServer(
  app: App,
  test: (url: string) => Promise<void>,
  options: ServeOptions = {},
): Promise<void> {
  const server = await serve(app, { port: 0, host: '127.0.0.1', ...options });
  try {
    await test(server.url);
  } finally {
    await server.close();
  }
}
