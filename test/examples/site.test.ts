// `npm start` runs examples/site/main.ts: it must start, announce its address, and serve.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

/** Starts the site on a free port and resolves with the URL it announces. */
function startSite(): Promise<string> {
  return new Promise((resolve, reject) => {
    child = spawn(
      process.execPath,
      ['--conditions=tsgi-source', '--import', 'tsx', 'examples/site/main.ts'],
      {
        env: { ...process.env, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const announced = /Serving on (http:\/\/\S+)/.exec(output);
      if (announced) resolve(announced[1] as string);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the site exited (${code}) before serving:\n${output}`)));
  });
}

describe('the example site (npm start)', () => {
  it('announces where it serves and answers there', async () => {
    const url = await startSite();
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hello, world!');
  });
});
