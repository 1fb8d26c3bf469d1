#!/usr/bin/env node
// `npm run pack [-- folder]`: builds @tsgi/core, @tsgi/router and @tsgi/middleware and packs each
// into a tarball exactly as `npm publish` would upload it (default folder: dist-packages/), one
// tarball path a line on stdout. Until the packages are on npm, these are how a project outside
// this repository installs tsgi.
//
// It builds copies, in a fresh folder under node_modules/.cache, never packages/*/dist: so a
// file deleted from src/ cannot linger in a tarball, and tests running meanwhile (the CLI's,
// which load dist/ when it exists) never see a half-written build.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The published packages (folder under packages/, name), in build order: the others need core's declarations. */
const PACKAGES = [
  ['core', '@tsgi/core'],
  ['router', '@tsgi/router'],
  ['middleware', '@tsgi/middleware'],
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = resolve(process.argv[2] ?? join(root, 'dist-packages'));

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout}${error.stderr}`);
    process.exit(1);
  }
}

mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
const stage = mkdtempSync(join(root, 'node_modules/.cache/tsgi-pack-'));
try {
  // the packages' tsconfig.build.json extend ../../tsconfig.base.json; tsup looks for a tsconfig.json
  cpSync(join(root, 'tsconfig.base.json'), join(stage, 'tsconfig.base.json'));
  writeFileSync(join(stage, 'tsconfig.json'), '{ "extends": "./tsconfig.base.json" }\n');
  for (const [folder, name] of PACKAGES) {
    const source = join(root, 'packages', folder);
    const copy = join(stage, 'packages', folder);
    cpSync(source, copy, {
      recursive: true,
      filter: (path) => !/[/\\](node_modules|dist)$/.test(path.slice(source.length)),
    });
    // its own dependencies (cookie@1 beside the root's cookie@0.7 for express), as installed
    if (existsSync(join(source, 'node_modules')))
      symlinkSync(join(source, 'node_modules'), join(copy, 'node_modules'));
    // @tsgi/core resolves to the staged copy, whose declarations are built first
    mkdirSync(join(stage, 'node_modules/@tsgi'), { recursive: true });
    symlinkSync(copy, join(stage, 'node_modules', name));
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const [folder] of PACKAGES) {
    const copy = join(stage, 'packages', folder);
    run('npm', ['run', 'build'], copy);
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], copy));
    console.log(join(out, packed.filename));
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
