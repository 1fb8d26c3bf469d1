import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['tsgi-source'] },
  ssr: { resolve: { conditions: ['tsgi-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // ceilings, not expectations: a test that spawns node, tsx, redis, nginx or Chromium took up
    // to 6 s here at load 15, and a loaded CI machine can triple that; a hang still fails
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll() waits for something that comes within milliseconds; its default ceiling
    // (1 s) is what a loaded 2-core CI machine can take to schedule it
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
