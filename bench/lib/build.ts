/** Building what the servers run: the packages' `dist`, then bench/ itself as plain JS in bench/dist. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCH = fileURLToPath(new URL('..', import.meta.url));

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `npm run build` at the root: the servers import @tsgi/* from their built `dist`. */
export function buildPackages(): void {
  log('building the packages (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed: the bench measures the built dist');
}

/** Compiles the servers and micro.ts to bench/dist, so they run on plain node with no loader. */
export function compileBench(): void {
  log('compiling bench/servers and micro.ts (tsc -p tsconfig.build.json)…');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: BENCH, encoding: 'utf8' });
  // Type errors still emit JS; a server that then fails shows as a failed row, so warn and go on.
  if (tsc.status !== 0) log(`tsc reported errors (the JS was still emitted):\n${tsc.stdout}`);
}
