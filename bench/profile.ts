/**
 * Profiles one benchmark server under load: runs it with `node --cpu-prof`, loads it with wrk (or
 * autocannon) like run.ts does, then prints the functions with the most self time, and the
 * inclusive time of tsgi's own functions (those in packages/).
 * Usage: `npx tsx profile.ts [server] [path] [seconds]`, e.g. `npx tsx profile.ts tsgi /user/42 5`.
 * The raw profile stays in bench/profiles/ (open it in Chrome DevTools or speedscope for a flame graph).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ECHO_BYTES, SERVERS } from './lib/cases.js';
import { readConfig } from './lib/config.js';
import { load } from './lib/load.js';
import { hasCommand } from './lib/machine.js';
import { startServer, stopServer } from './lib/servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const PROFILES = `${BENCH}profiles`;

const [name = 'tsgi', path = '/', seconds = '5'] = process.argv.slice(2);
const spec = Object.values(SERVERS).find((server) => server.name === name);
if (!spec) throw new Error(`unknown server '${name}'; known: ${Object.values(SERVERS).map((s) => s.name)}`);

const config = readConfig();
if (config.build) spawnSync('npm', ['run', 'build'], { cwd: `${BENCH}..`, stdio: 'ignore' });
spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: BENCH, stdio: 'ignore' });
mkdirSync(PROFILES, { recursive: true });

const started = Date.now();
const server = await startServer(spec, config.serverCpu, ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`]);
const request =
  path === '/echo'
    ? { method: 'POST' as const, path, bodyBytes: ECHO_BYTES }
    : { method: 'GET' as const, path };
const options = {
  tool: config.tool ?? (hasCommand('wrk') ? ('wrk' as const) : ('autocannon' as const)),
  seconds: Number(seconds),
  connections: config.connections,
  cpu: config.loadCpu,
};
const result = await load(server.port, request, options);
await stopServer(server, 'SIGINT', 20_000);

const file = readdirSync(PROFILES)
  .filter((entry) => entry.endsWith('.cpuprofile'))
  .map((entry) => `${PROFILES}/${entry}`)
  .filter((entry) => statSync(entry).mtimeMs >= started)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!file) throw new Error('the server wrote no .cpuprofile');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfById = new Map<number, number>();
profile.samples.forEach((id, index) => {
  selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfById.values()].reduce((sum, value) => sum + value, 0);

const keyOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    .replace(/^file:\/\//, '')
    .replace(`${BENCH}..`, '')
    .replace(/.*node_modules\//, '');
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
};

const self = new Map<string, number>();
for (const [id, time] of selfById) {
  const key = keyOf(byId.get(id)!);
  self.set(key, (self.get(key) ?? 0) + time);
}

// Inclusive time, counting a function once per stack even when it recurses.
const inclusive = new Map<string, number>();
const subtree = new Map<number, number>();
const sumSubtree = (node: ProfileNode): number => {
  let sum = selfById.get(node.id) ?? 0;
  for (const child of node.children ?? []) sum += sumSubtree(byId.get(child)!);
  subtree.set(node.id, sum);
  return sum;
};
const root = profile.nodes[0]!;
sumSubtree(root);
const walk = (node: ProfileNode, onPath: Set<string>) => {
  const key = keyOf(node);
  const fresh = !onPath.has(key);
  if (fresh) {
    inclusive.set(key, (inclusive.get(key) ?? 0) + subtree.get(node.id)!);
    onPath.add(key);
  }
  for (const child of node.children ?? []) walk(byId.get(child)!, onPath);
  if (fresh) onPath.delete(key);
};
walk(root, new Set());

// timeDeltas are in µs; per request, over the requests of the load (startup time is negligible)
const cells = (time: number) =>
  `${((100 * time) / total).toFixed(1)}% | ${(time / result.requests).toFixed(2)}`;
const top = (map: Map<string, number>, filter: (key: string) => boolean, count: number) =>
  [...map]
    .filter(([key]) => filter(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, time]) => `| ${cells(time)} | \`${key}\` |`);

const ours = (key: string) => key.includes('/packages/');
console.log(`# ${spec.label} ${request.method} ${path}: ${Math.round(result.rps)} req/s under the profiler`);
const header = (what: string) => `| ${what} | µs/req | function |\n| ---: | ---: | --- |`;
console.log(`\nProfile: ${file}\n\n## Self time, all code\n\n${header('self')}`);
console.log(top(self, () => true, 25).join('\n'));
console.log(`\n## Self time, tsgi code (packages/)\n\n${header('self')}`);
console.log(top(self, ours, 20).join('\n'));
console.log(`\n## Inclusive time, tsgi code (packages/)\n\n${header('total')}`);
console.log(top(inclusive, ours, 20).join('\n'));
