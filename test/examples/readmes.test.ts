// Every example's README starts with the one command that starts it: that command must exist
// and serve. (Each example's own test checks what it serves.)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;
// examples/deploy starts differently (nginx, workers, Redis): its own test runs it
const examples = ['site', 'hello', 'mount', 'proxy', 'xslt'];

/** The first command of the README's first sh block, without its comment. */
function startCommand(example: string): string {
  const readme = readFileSync(join('examples', example, 'README.md'), 'utf8');
  const block = /```sh\n([^\n]*)/.exec(readme)?.[1] ?? '';
  return block.replace(/#.*$/, '').trim();
}

/** Runs an npm script's `node …` command directly (no npm in between), waits for its announcement. */
function serves(command: string): Promise<string> {
  const [program, ...args] = command.split(' ');
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Serving on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  })
    .then(async (url) => {
      expect((await fetch(`${url}/`)).status).toBe(200);
      return url;
    })
    .finally(() => {
      child.kill('SIGTERM');
    });
}

it("the README's first screen shows npm install && npm start, the screenshot and npm test", () => {
  const firstScreen = readFileSync('README.md', 'utf8').split('\n').slice(0, 30).join('\n');
  expect(firstScreen).toContain('npm install && npm start');
  expect(firstScreen).toMatch(/^npm test\b/m);
  const image = /!\[[^\]]+\]\((docs\/[^)]+\.png)\)/.exec(firstScreen)?.[1];
  expect(image && existsSync(image)).toBe(true);
});

describe('examples/*/README.md', () => {
  for (const example of examples) {
    it.concurrent(`${example}: the README's first command starts it`, async () => {
      const command = startCommand(example);
      const script = /^npm (?:start|run (\S+))$/.exec(command);
      expect(script, `examples/${example}/README.md starts with ${JSON.stringify(command)}`).not.toBeNull();
      const line = scripts[script?.[1] ?? 'start'] as string;
      expect(line).toMatch(new RegExp(`examples/${example}/main\\.ts$`));
      await serves(line);
    });
  }
});
