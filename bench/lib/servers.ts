/** Starting, checking and stopping the benchmark servers, each in its own pinned child process. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinned } from './machine.js';
import { benchRedis } from './redis.js';

/** One server process: a file in bench/servers, run with some environment. */
export interface ServerSpec {
  /** Short name used by BENCH_ONLY and in tables: `node`, `tsgi`, `tsgi-1000`… */
  name: string;
  /** What the table shows. */
  label: string;
  /** File under bench/servers, without extension (run as compiled, from bench/dist/servers). */
  file: string;
  /** Extra environment for the process (`BENCH_TABLE_SIZE`, …). */
  env?: Record<string, string>;
  /** Needs a Redis: the runner starts one (lib/redis.ts) and passes its URL as `BENCH_REDIS_URL`. */
  redis?: boolean;
}

/** A started server. */
export interface RunningServer {
  spec: ServerSpec;
  port: number;
  process: ChildProcess;
}

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

// Servers still running: killed when the runner exits, however it exits, so none is left behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
const START_TIMEOUT_MS = 15_000;

/** How to start a server when not plainly. */
export interface StartOptions {
  /** A command the server runs under, e.g. `['valgrind', '--tool=callgrind']`; it must exec node in place. */
  wrapper?: string[];
  /** How long to wait for `listening <port>` (default 15 s; a server under valgrind starts ~50× slower). */
  timeoutMs?: number;
}

/**
 * Starts `spec` on a free port, pinned to `cpu`, and resolves once it prints `listening <port>`.
 * The server runs as plain JS compiled by `tsc -p bench/tsconfig.build.json`, with @tsgi/* resolved to
 * their built `dist`: no loader in the process, so neither its CPU nor its memory is measured.
 */
export async function startServer(
  spec: ServerSpec,
  cpu: number | undefined,
  nodeArgs: string[] = [],
  options: StartOptions = {},
): Promise<RunningServer> {
  const redis = spec.redis ? { BENCH_REDIS_URL: await benchRedis() } : {};
  const { wrapper = [], timeoutMs = START_TIMEOUT_MS } = options;
  const [first = process.execPath, ...rest] = [...wrapper, process.execPath];
  const [command, args] = pinned(cpu, first, [...rest, ...nodeArgs, `dist/servers/${spec.file}.js`]);
  const child = spawn(command, args, {
    cwd: BENCH_DIR,
    env: { ...process.env, ...spec.env, ...redis, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  return await new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${spec.label} ${why}${stderr ? `:\n${stderr.trim().slice(0, 2000)}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('close', (code) => fail(`exited with code ${code} before listening`));
    child.stdout!.on('data', (data: Buffer) => {
      stdout += data.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('close');
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({ spec, port: Number(match[1]), process: child });
    });
  });
}

/** The server's peak resident memory in MiB (VmHWM), or undefined where /proc is missing. */
export function peakRssMiB(server: RunningServer): number | undefined {
  try {
    const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
    const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return kib ? Number(kib[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/**
 * CPU time the server's process has used so far (user + system, all threads), in ms; undefined
 * where /proc is missing. Unlike req/s, CPU per request hardly moves when other processes
 * compete for the machine: the paired ratio of both is reported.
 */
export function cpuTimeMs(server: RunningServer): number | undefined {
  try {
    const stat = readFileSync(`/proc/${server.process.pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/**
 * Stops a server and waits for its process to exit (SIGINT lets it exit cleanly, e.g. to write
 * a CPU profile); after `graceMs` it is killed.
 */
export function stopServer(
  server: RunningServer,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 3000,
): Promise<void> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
