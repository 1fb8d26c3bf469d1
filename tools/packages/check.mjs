#!/usr/bin/env node
// `npm run check:packages`: packs the three packages (tools/packages/pack.mjs) and runs publint
// and Are the Types Wrong (`--profile esm-only`: the packages are ESM only) on each tarball.
// Passes only if neither reports anything, not even a suggestion. Every entry point is listed in
// the packages' `exports` (no wildcard), so attw checks each one as it is.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => join(root, 'node_modules/.bin', name);

const pack = spawnSync(process.execPath, [join(root, 'tools/packages/pack.mjs')], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (pack.status !== 0) process.exit(pack.status ?? 1);
const tarballs = pack.stdout.trim().split('\n');

let failures = 0;
for (const tarball of tarballs) {
  const name = tarball.split('/').pop();
  const publint = spawnSync(bin('publint'), ['run', '--strict', tarball], { encoding: 'utf8' });
  const publintOut = `${publint.stdout}${publint.stderr}`;
  const publintClean = publint.status === 0 && /All good!/.test(publintOut);
  const attw = spawnSync(bin('attw'), ['--profile', 'esm-only', '--format', 'ascii', '--no-color', tarball], {
    encoding: 'utf8',
  });
  const attwOut = `${attw.stdout}${attw.stderr}`;
  const entrypoints = (attwOut.match(/^"[^"]+"$/gm) ?? []).length;
  console.log(
    `${name}: publint ${publintClean ? 'all good' : 'FAILED'}, attw ${attw.status === 0 ? `no problems (${entrypoints} entry points)` : 'FAILED'}`,
  );
  if (!publintClean) console.log(publintOut);
  if (attw.status !== 0) console.log(attwOut);
  failures += Number(!publintClean) + Number(attw.status !== 0);
}
process.exit(failures === 0 ? 0 : 1);
