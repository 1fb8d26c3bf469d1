// The middleware snippets of README.md and docs/middleware.md run as written: each is saved
// at the repository's root and run the way the docs say, and its output checked.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(root, '.snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `ts` code block that follows `marker` in `file`. */
function snippetAfter(file: string, marker: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  const at = text.indexOf(marker);
  if (at === -1) throw new Error(`${marker} not found in ${file}`);
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (match === null) throw new Error(`no code after ${marker} in ${file}`);
  return match[1] as string;
}

async function run(name: string, code: string): Promise<string> {
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, code);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=tsgi-source', '--import', 'tsx', path],
    {
      cwd: root,
      timeout: 45_000, // a ceiling for a loaded machine (node + tsx compiling the snippet)
    },
  );
  return stdout;
}

describe('documentation snippets', () => {
  it('README: stack and mount', async () => {
    const out = await run('stack', snippetAfter('README.md', '**Stack and mount.**'));
    expect(out).toMatch(/"GET \/api\/users\/7 HTTP\/1\.1" 200 21 /);
    expect(out).toMatch(/user at \/api\/users\/7 W\/"/);
    expect(out).toMatch(/\n304\n/);
    expect(out).toContain('hi from hono');
  });

  it('docs/middleware.md: the header-rewriting and body-rewriting examples', async () => {
    const [headers, body] = await Promise.all([
      run('headers', snippetAfter('docs/middleware.md', '**Rewriting headers**')),
      run('body', snippetAfter('docs/middleware.md', '**Rewriting the body**')),
    ]);
    expect(headers).toBe('404 nosniff\n');
    expect(body).toBe('the quick brown dog sat on the dog\n\nthe quick brown cats sat on the cats\n\n');
  });
});
