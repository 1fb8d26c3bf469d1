// A real redis-server for a test: on a free loopback port, in a temp dir, no persistence.
//   const redis = await startRedis(); … await redis.close();
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit; {@link restart} brings it back. */
  stop(): Promise<void>;
  /** Stops it for good and removes its temp dir: the test's teardown. */
  close(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
}

/** Whether redis-server is installed; with CI=true a missing one fails the suite instead of skipping. */
export function hasRedis(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true')
      throw new Error('redis-server is not installed, and CI=true: a missing service fails');
    return false;
  }
}

/**
 * Starts redis-server on 127.0.0.1 at a free port (another one if that was taken meanwhile).
 * Ready once it says so itself: a port that accepts could be another process's.
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-redis-'));
  let child: ChildProcess;
  const launch = (port: number) =>
    new Promise<void>((resolve, reject) => {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let output = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server did not start on ${port} within 10 s:\n${output}`));
      }, 10_000);
      // read to the end: a full pipe would stall it
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        if (output.length < 64 * 1024) output += text;
        if (/Ready to accept connections/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} on port ${port}:\n${output}`));
      });
    });
  let port = 0;
  try {
    await onFreePort(async (free) => {
      await launch(free);
      port = free;
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    // the same port: the apps under test were given this URL (a rare steal fails loudly)
    restart: async () => {
      await stop();
      await launch(port);
    },
  };
}
