#!/usr/bin/env node
// The `tsgi` command. A committed file, not a build output: npm links a bin only if its target
// exists at install time, before any build. It runs the built CLI from dist/, or the TypeScript
// sources (through tsx, resolving packages with the `tsgi-source` condition) when dist/ is not
// built or when node runs with --conditions=tsgi-source. node:cluster workers run this file too.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const built = new URL('../dist/servers/node/cli.js', import.meta.url);
const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].join(' ');
const fromSource = /tsgi-source/.test(flags) || !existsSync(built);

let cli;
if (fromSource) {
  try {
    (await import('tsx/esm/api')).register();
    (await import('tsx/cjs/api')).register();
  } catch {
    process.stderr.write(
      'tsgi: @tsgi/core is not built and tsx is missing: run npm run build, or npm install tsx\n',
    );
    process.exit(1);
  }
  // registered last, so it runs first: every import (the app's too) resolves to the sources
  const hook =
    'export function resolve(specifier, context, next) {' +
    " return next(specifier, { ...context, conditions: [...new Set([...context.conditions, 'tsgi-source'])] }); }";
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  globalThis[Symbol.for('tsgi.tsx-loaded')] = true;
  cli = await import('../src/servers/node/cli.ts');
} else {
  cli = await import(built.href);
}
await cli.main(process.argv.slice(2));
