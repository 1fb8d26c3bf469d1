import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it("README's login/logout snippet runs as written and prints what its comments say", async () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('**Sessions, login and logout.**'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  // saved at the root of the repository, as the tour says, so the packages resolve
  const dir = mkdtempSync(join(process.cwd(), '.tour-'));
  const file = join(dir, 'tour.ts');
  writeFileSync(file, code as string);
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=tsgi-source', '--import', 'tsx', file],
      { timeout: 30_000 },
    );
    expect(stdout).toBe("303 [ '<p>Welcome back.</p>', '<p>Hello, ada</p>' ]\n303 true\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
