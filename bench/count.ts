/**
 * The instruction count (`npm run bench:count`): every case of lib/cases.ts in its own server
 * process under `valgrind --tool=callgrind`, warmed up, then counted over a fixed number of
 * sequential keep-alive requests. The figure, instructions per request, repeats to well under 1%
 * where req/s on this shared machine swings by ±30%. Knobs: lib/config.ts and README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPackages, compileBench } from './lib/build.js';
import { COUNT_NODE_FLAGS } from './lib/callgrind.js';
import { type Case, selectGroups } from './lib/cases.js';
import { readCountConfig } from './lib/config.js';
import { countCase } from './lib/count-case.js';
import {
  batchSpread,
  type CountFailure,
  type CountGroupResult,
  type CountMeasurement,
  countTable,
  countTargetTable,
  mergeCounts,
} from './lib/count-report.js';
import { hasCommand, localDate, machineInfo } from './lib/machine.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

// A case is the same measurement wherever it appears (mw's paired tsgi hello is hello's tsgi row).
const keyOf = (entry: Case) =>
  [entry.server.name, entry.request.method, entry.request.path, entry.request.bodyBytes ?? 0].join(' ');

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const config = readCountConfig();
  if (!hasCommand('valgrind') || !hasCommand('callgrind_control')) {
    throw new Error('bench:count needs valgrind (Debian: apt-get install valgrind)');
  }
  const groups = selectGroups(config.only);
  const unique = new Map<string, Case>();
  for (const group of groups) for (const entry of group.cases) unique.set(keyOf(entry), entry);
  const plan = { warmup: config.warmup, requests: config.requests, batches: config.batches };
  log(
    `${unique.size} cases × ${config.processes} process(es) × (${plan.warmup} warm-up + ${plan.requests} counted requests) under callgrind, ` +
      `${config.jobs} at a time`,
  );
  if (config.build) buildPackages();
  compileBench();

  const started = Date.now();
  const counted = new Map<string, Array<CountMeasurement | CountFailure>>();
  // each process of a case is a job of its own, so that BENCH_COUNT_JOBS spreads them too
  const queue = [...unique].flatMap(([key, entry]) =>
    Array.from({ length: config.processes }, () => ({ key, entry })),
  );
  const jobs = queue.length;
  let done = 0;
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { key, entry } = next;
      const t0 = Date.now();
      const row = await countCase(entry, plan);
      counted.set(key, [...(counted.get(key) ?? []), row]);
      const what =
        'perRequest' in row
          ? `${Math.round(row.perRequest).toLocaleString('en-US')} instructions/request ` +
            `(batch spread ${(100 * batchSpread(row)).toFixed(2)}%: ${row.batches.map((b) => Math.round(b)).join(' ')})`
          : `${row.reason}: ${row.detail.slice(0, 200)}`;
      log(`  [${++done}/${jobs}] ${key}: ${what}, ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.jobs, jobs) }, worker));

  const results: CountGroupResult[] = groups.map((group) => ({
    group,
    rows: group.cases.map((entry) => mergeCounts(counted.get(keyOf(entry))!)),
  }));
  const date = localDate();
  const valgrind = execFileSync('valgrind', ['--version'], { encoding: 'utf8' }).trim();
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const sections = [
    `# tsgi instruction count, ${date}`,
    '',
    ...machineInfo('none: a sequential keep-alive node:http client (lib/sequential.ts)').filter(
      (line) => !line.startsWith('- Load generator'),
    ),
    `- ${valgrind} --tool=callgrind; node ${COUNT_NODE_FLAGS.join(' ')}`,
    `- Per case: ${config.processes === 1 ? 'a fresh server process' : `${config.processes} fresh server processes (merged: their mean, and all their batches)`}, ` +
      `${plan.warmup} warm-up requests, then ${plan.requests} counted ` +
      `in ${plan.batches} batches; ${config.jobs} processes at a time; ${minutes} min in all`,
    config.only.length ? `- Partial run: BENCH_ONLY=${config.only.join(',')}` : '',
    '',
    'Instructions per request: user-space instructions the server process executed (all its threads, ' +
      'JIT code, V8, libuv, libc) per request, the warm-up excluded. Not counted: kernel time, cache ' +
      'misses, waiting. The ratio is node:http’s count ÷ the row’s: higher is better, as with req/s. ' +
      'Batch spread: (highest − lowest batch) ÷ the figure.',
    '',
    '## Targets (issue 5), by instructions',
    '',
    countTargetTable(results),
    '',
    '## Instructions per request',
    '',
    results.map(countTable).join('\n\n'),
  ];
  const markdown = `${sections.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n')}\n`;
  process.stdout.write(`\n${markdown}`);
  if (config.save) {
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/${date}-count.md`, import.meta.url);
    writeFileSync(file, markdown);
    log(`\nwritten to ${fileURLToPath(file)}`);
  }
}

await main();
