// A .ts app without tsx installed: one line naming the missing optional peer dependency.
import { describe, expect, it, vi } from 'vitest';
import { LoadError, loadApp } from '../../packages/core/src/servers/node/load-app.js';
import { FIXTURES } from '../helpers/tsgi-process.js';

vi.mock('tsx/esm/api', () => {
  throw Object.assign(new Error("Cannot find package 'tsx'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('loadApp without tsx', () => {
  // as in a fresh process: tsx not registered yet
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('tsgi.tsx-loaded')];

  it('refuses a .ts app with a LoadError naming tsx', async () => {
    const loading = loadApp(`${FIXTURES}apps.ts#named`, '/');
    await expect(loading).rejects.toThrow(LoadError);
    await expect(loadApp(`${FIXTURES}apps.ts`, '/')).rejects.toThrow(
      /apps\.ts is TypeScript, which needs tsx: npm install --save-dev tsx$/,
    );
  });

  it('still loads a .js app: tsx is imported only for TypeScript', async () => {
    const app = await loadApp(`${FIXTURES}plain.mjs`, '/');
    expect(typeof app).toBe('function');
  });
});
