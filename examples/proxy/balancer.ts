import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { App, ErrorStream } from '@tsgi/core';
import { type ProxyApp, proxy } from '@tsgi/middleware/proxy';

const BACKEND = fileURLToPath(new URL('./backend.ts', import.meta.url));

/** A backend process the balancer started. */
export interface Backend {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Stops the process (SIGTERM) and waits for it to exit: the failover demo. */
  stop(): Promise<void>;
}

/** Starts backend.ts in a child process on a free port; resolves once it announces its address. */
export function startBackend(name: string): Promise<Backend> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=tsgi-source', '--import', 'tsx', BACKEND],
    {
      env: { ...process.env, BACKEND_NAME: name, PORT: '0', EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Serving on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ name, url, pid: child.pid as number, stop });
    });
    child.once('exit', (code) => reject(new Error(`backend ${name} exited (${code}) before serving`)));
  });
}

/** Options of {@link startBalancer}. */
export interface BalancerOptions {
  /** How many backends to start. Default 3. */
  readonly backends?: number;
  /** Where the proxy's events go (ejected, restored, retried). Default: standard error. */
  readonly errors?: ErrorStream;
}

/** The balancer: the proxy app, the backends behind it, and one `close()` for all. */
export interface Balancer {
  readonly app: App;
  readonly backends: readonly Backend[];
  close(): Promise<void>;
}

/**
 * Starts `backends` processes and a proxy in front of them: round-robin, an active health
 * check every second, passive ejection of a backend that refuses connections, and retries of
 * a GET on the next backend. Stop a backend and requests go on, answered by the others.
 * @example const { app, close } = await startBalancer(); await serve(app, { port: 8000 });
 */
export async function startBalancer(options: BalancerOptions = {}): Promise<Balancer> {
  const count = options.backends ?? 3;
  const backends = await Promise.all(Array.from({ length: count }, (_, i) => startBackend(`b${i + 1}`)));
  const app: ProxyApp = proxy({
    upstreams: backends.map((backend) => backend.url),
    strategy: 'round-robin',
    healthCheck: { path: '/health', interval: 1000, timeout: 500 },
    passive: { failures: 3, backoff: 1000, maxBackoff: 10_000 },
    timeout: { connect: 1000, head: 10_000 },
    retries: 2,
    errors: options.errors,
  });
  return {
    app,
    backends,
    async close() {
      await app.close();
      await Promise.all(backends.map((backend) => backend.stop()));
    },
  };
}
