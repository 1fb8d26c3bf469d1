// Ports on 127.0.0.1 for tests that start real servers (Redis, nginx, CLI processes).
import type { ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a server that must be told its port up front (redis-server, nginx, lighttpd, a CLI on
 * $PORT) on a port free right now, and again on another one if it fails to start: between
 * freePort() closing its probe and the server binding, another process (a test file running
 * beside this one) can take the port. `launch` must reject when its server did not come up.
 */
export async function onFreePort<T>(launch: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

/**
 * Resolves once something accepts connections on 127.0.0.1:`port`; rejects after 10 s, or as
 * soon as `child` (the process meant to listen) exits.
 */
export async function waitForPort(port: number, child?: ChildProcess, name = 'the server'): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child !== undefined && child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
