// What `tsgi serve --workers 2` costs against one process, and the CLI's start-up time:
//   npm run bench:cluster -w @tsgi/bench        (BENCH_SECONDS=5 by default; Linux: reads /proc)
// For each mode (keep-alive connections, and a new connection per request) it prints req/s and
// the CPU milliseconds per 1000 requests of the workers and of the master. The master's share is
// node:cluster's round-robin: it accepts each connection and passes it to a worker over IPC, so
// it grows with connections, not requests. Not run by the tests (speed is measured only here).
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/core/bin/tsgi.js', import.meta.url));
const APP = fileURLToPath(new URL('../test/fixtures/server/plain.mjs', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function children(pid: number): number[] {
  const out = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return out === '' ? [] : out.split(' ').map(Number);
}

async function start(args: string[]) {
  const began = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', APP, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  while (!/Serving on (\S+)/.test(out)) await new Promise((resolve) => setTimeout(resolve, 5));
  return { child, url: /Serving on (\S+)/.exec(out)![1]!, startupMs: performance.now() - began };
}

function load(url: string, newConnections: boolean): Promise<number> {
  const args = [AUTOCANNON, '--json', '-c', '16', '-d', String(SECONDS)];
  if (newConnections) args.push('-H', 'Connection=close');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...args, url], { maxBuffer: 2 ** 24 }, (error, stdout) => {
      if (error) reject(error);
      else resolve((JSON.parse(stdout) as { requests: { total: number } }).requests.total);
    });
  });
}

for (const workers of [undefined, 2]) {
  const { child, url, startupMs } = await start(workers ? ['--workers', String(workers)] : []);
  const master = child.pid!;
  const label = workers ? `--workers ${workers}` : 'one process';
  console.log(`${label}: start-up to "Serving on" ${startupMs.toFixed(0)} ms`);
  for (const newConnections of [false, true]) {
    const serving = workers ? children(master) : [master];
    const before = serving.map(cpuMs);
    const masterBefore = cpuMs(master);
    const requests = await load(url, newConnections);
    const workerMs = serving.map(cpuMs).reduce((sum, ms, i) => sum + ms - before[i]!, 0);
    const masterMs = workers ? cpuMs(master) - masterBefore : 0;
    const per1k = (ms: number) => ((ms / requests) * 1000).toFixed(1);
    console.log(
      `  ${newConnections ? 'new connection per request' : 'keep-alive'}: ${(requests / SECONDS).toFixed(0)} req/s, ` +
        `CPU per 1000 requests: workers ${per1k(workerMs)} ms, master ${per1k(masterMs)} ms`,
    );
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
