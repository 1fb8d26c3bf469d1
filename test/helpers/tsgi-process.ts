// Run the `tsgi` CLI (or a script) as a real process for a test, read what it prints, and make
// sure it is gone after the test: `afterEach(stopProcesses)`.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../packages/core/bin/tsgi.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/server/', import.meta.url));

/** A running process and everything it printed so far. */
export interface Running {
  readonly child: ChildProcess;
  /** Standard output and standard error, as printed. */
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal's name) once the process exits. */
  readonly exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in stdout + stderr, waiting up to `ms` (a ceiling for a loaded machine). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

const started = new Set<ChildProcess>();

/**
 * Starts `node <args>` in the repository root (the CLI when `args[0]` is {@link BIN}).
 * @example const cli = start([BIN, 'serve', 'app.ts', '--port', '0']);
 */
export function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.add(child);
  const waiters = new Set<() => void>();
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        started.delete(child);
        resolve(code ?? (signal as string));
        for (const waiter of waiters) waiter();
      });
    }),
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (running.stdout + running.stderr).match(pattern);
          if (match !== null) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`exited before printing ${pattern}:\n${running.stdout}${running.stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${ms} ms:\n${running.stdout}${running.stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    running.stdout += text;
    for (const waiter of waiters) waiter();
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    running.stderr += text;
    for (const waiter of waiters) waiter();
  });
  return running;
}

/** Starts `tsgi serve <args>` on a free port and resolves once it prints where it serves. */
export async function serveCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Running & { url: string }> {
  const running = start([BIN, 'serve', ...args, '--port', '0'], env);
  const [, url] = await running.waitFor(/Serving on (https?:\/\/\S+)/);
  return Object.assign(running, { url: url as string });
}

/** Runs the CLI to its end: the exit code and what it printed. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const running = start([BIN, ...args], env);
  const code = await running.exited;
  return { code, stdout: running.stdout, stderr: running.stderr };
}

/** Kills whatever a test left running (its workers go with the master's IPC channel). */
export async function stopProcesses(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
