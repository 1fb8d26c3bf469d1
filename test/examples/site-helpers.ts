// Shared by the site's tests: start examples/site/main.ts as `npm start` does, and read its pages.
import { type ChildProcess, spawn } from 'node:child_process';

/** The hidden CSRF field of the first form on a page. */
export const tokenOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** A key for tests: SESSION_KEYS entries must be at least 32 bytes. */
export const TEST_KEY = 'a test key of at least thirty-two bytes';

export interface RunningSite {
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Runs examples/site/main.ts (what `npm start` runs) with `env` and `args`, on a free port. */
export function startSite(env: Record<string, string> = {}, args: string[] = []): Promise<RunningSite> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=tsgi-source', '--import', 'tsx', 'examples/site/main.ts', ...args],
    { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const announced = /Serving on (http:\/\/\S+)/.exec(output);
      if (announced) resolve({ url: announced[1] as string, output: () => output, stop });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the site exited (${code}) before serving:\n${output}`)));
  });
}
