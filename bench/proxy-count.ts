/**
 * Instructions per request of a proxy front (`npm run bench:proxy-count -w @tsgi/bench`): the
 * front runs under callgrind (as in count.ts: a fresh process, warmed up, then counted between
 * batches of sequential keep-alive requests), the tsgi upstream outside it at full speed, so the
 * figure is the front's own work, whatever the machine's load. The upstream alone (the `direct`
 * row) is counted the same way, so `front ÷ upstream` says how many upstreams' worth of work the
 * proxy adds to a request: on one shared core, the proxied rate is at most
 * upstream ÷ (front + upstream) of the direct rate.
 * Rows (BENCH_ONLY picks some): direct, tsgi, fastify, express, floor-http, floor-tcp (the floors
 * are bench/proxy-fronts.ts's minimal proxies, measured and not shipped).
 * Knobs: BENCH_COUNT_WARMUP, BENCH_COUNT_REQUESTS, BENCH_COUNT_BATCHES, BENCH_BUILD (README.md).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './lib/build.js';
import { readCountConfig } from './lib/config.js';
import { countCase } from './lib/count-case.js';
import { batchSpread } from './lib/count-report.js';
import { machineInfo } from './lib/machine.js';
import { type ServerSpec, startServer, stopServer } from './lib/servers.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const ROWS: Array<[name: string, label: string]> = [
  ['direct', 'tsgi upstream alone'],
  ['tsgi', 'tsgi proxy()'],
  ['fastify', '@fastify/http-proxy 11'],
  ['express', 'http-proxy-middleware 3 (Express 5)'],
  ['floor-http', 'floor: node:http + undici dispatch(), no checks'],
  ['floor-tcp', 'floor: a raw TCP pipe in Node'],
];

const spec = (kind: string, label: string, upstream: string): ServerSpec => ({
  name: kind,
  label,
  file: '../proxy-fronts',
  env: { PROXY_KIND: kind, PROXY_UPSTREAM: upstream },
});

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const config = readCountConfig();
  const plan = { warmup: config.warmup, requests: config.requests, batches: config.batches };
  if (config.build) buildPackages();
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.proxy.json'], { cwd: BENCH, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.proxy.json failed');
  const rows = ROWS.filter(([name]) => config.only.length === 0 || config.only.includes(name));
  const upstream = await startServer(spec('upstream', 'upstream', ''), undefined);
  const target = `http://127.0.0.1:${upstream.port}`;
  const lines = [
    `# Proxy instruction count, ${new Date().toISOString().slice(0, 10)}`,
    '',
    ...machineInfo('none: a sequential keep-alive node:http client (lib/sequential.ts)').filter(
      (line) => !line.startsWith('- Load generator'),
    ),
    `- Per row: the front alone under callgrind, ${plan.warmup} warm-up requests, ${plan.requests} counted in ${plan.batches} batches; GET / (12-byte hello)`,
    '',
    '| front | instructions/request | × upstream | batch spread |',
    '| --- | ---: | ---: | ---: |',
  ];
  let direct: number | undefined;
  try {
    for (const [name, label] of rows) {
      const server = name === 'direct' ? spec('upstream', label, '') : spec(name, label, target);
      const t0 = Date.now();
      const row = await countCase(
        { server, request: { method: 'GET', path: '/' }, expected: 'Hello World!' },
        plan,
      );
      if (!('perRequest' in row)) {
        log(`${label}: ${row.reason}: ${row.detail.slice(0, 300)}`);
        lines.push(`| ${label} | ${row.reason} | – | – |`);
        continue;
      }
      if (name === 'direct') direct = row.perRequest;
      const times = direct === undefined ? '–' : (row.perRequest / direct).toFixed(2);
      const spread = `${(100 * batchSpread(row)).toFixed(2)}%`;
      log(
        `${label}: ${Math.round(row.perRequest)} instructions/request, ${Math.round((Date.now() - t0) / 1000)} s`,
      );
      lines.push(
        `| ${label} | ${Math.round(row.perRequest).toLocaleString('en-US')} | ${times} | ${spread} |`,
      );
    }
  } finally {
    await stopServer(upstream);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
