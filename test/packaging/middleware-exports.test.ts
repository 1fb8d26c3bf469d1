// @tsgi/middleware publishes one subpath per middleware (what its root index gathers), and
// nothing else: its internal modules (`http/range`, `session/store`…) are no one's API.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as root from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = `${REPO}packages/middleware/`;
const { exports } = JSON.parse(readFileSync(`${PACKAGE}package.json`, 'utf8')) as {
  exports: Record<string, unknown>;
};

/** The modules the root index re-exports from, as subpaths: `./etag`, `./session` (its index)… */
function publicSubpaths(): string[] {
  const index = readFileSync(`${PACKAGE}src/index.ts`, 'utf8');
  return [...index.matchAll(/from '\.\/([^']+)\.js'/g)].map(
    (m) => `./${(m[1] as string).replace(/\/index$/, '')}`,
  );
}

/** What Node itself resolves each specifier to (as a published package is resolved), or the error code. */
function resolveAll(specifiers: string[], conditions: string[] = []): Record<string, string> {
  const script = `const out = {};
for (const s of ${JSON.stringify(specifiers)}) {
  try { out[s] = import.meta.resolve(s); } catch (error) { out[s] = error.code; }
}
console.log(JSON.stringify(out));`;
  const args = [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', script];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' }));
}

describe('@tsgi/middleware exports', () => {
  it('lists exactly the root, one subpath per module the root gathers, and package.json (no wildcard)', () => {
    expect(Object.keys(exports).sort()).toEqual(['.', './package.json', ...publicSubpaths()].sort());
  });

  it('does not publish internal modules', () => {
    const internal = [
      'http/range',
      'http/safe-path',
      'http/accept-encoding',
      'entity-tags',
      'cookie-signing',
      'verified-cache',
      'session/store',
      'session/redis-store',
      'proxy/forward',
      'index',
    ].map((name) => `@tsgi/middleware/${name}`);
    for (const conditions of [[], ['tsgi-source']]) {
      const resolved = resolveAll(internal, conditions);
      for (const specifier of internal)
        expect(resolved[specifier], specifier).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  it('resolves every public subpath to its module, which gives what the root gives under those names', async () => {
    const subpaths = publicSubpaths();
    expect(subpaths).toEqual(
      expect.arrayContaining(['./etag', './session', './proxy', './url-map', './static']),
    );
    const specifiers = subpaths.map((subpath) => `@tsgi/middleware${subpath.slice(1)}`);
    const resolved = resolveAll(specifiers, ['tsgi-source']);
    const rootNames = new Set(Object.keys(root));
    const covered = new Set<string>();
    for (const specifier of specifiers) {
      expect(resolved[specifier], specifier).toMatch(/\/packages\/middleware\/src\/.+\.ts$/);
      const module: Record<string, unknown> = await import(/* @vite-ignore */ specifier);
      const names = Object.keys(module).filter((name) => rootNames.has(name));
      expect(names.length, specifier).toBeGreaterThan(0);
      for (const name of names) {
        expect(module[name], `${specifier} ${name}`).toBe((root as Record<string, unknown>)[name]);
        covered.add(name);
      }
    }
    // every value the root exports can be imported on its own from some subpath
    expect([...rootNames].filter((name) => !covered.has(name))).toEqual([]);
  });
});
