/**
 * The proxy benchmark (`npm run bench:proxy -w @tsgi/bench`): hello from one tsgi upstream,
 * directly and through each proxy in front of it — tsgi's `proxy()`, @fastify/http-proxy,
 * http-proxy-middleware 3 on Express, nginx `proxy_pass` (the anchor), and two floors that are
 * measured, never shipped (proxy-fronts.ts: node:http + undici `dispatch()` with no checks, and a
 * raw TCP pipe) — in interleaved rounds, as paired ratios to the direct row; then each front's
 * memory under 50 connections. Load: wrk (BENCH_TOOL=autocannon to compare; autocannon cannot
 * keep up with the direct row, which made nginx look faster than no proxy at all).
 *
 * On two cores, where the processes run decides the ratio, so each front is loaded in three
 * placements, re-pinned between loads with `taskset -a -p`: `shared` (front and upstream on
 * CPU 0, wrk on CPU 1: a proxy and its app on one core), `split` (front on CPU 0, upstream with
 * wrk on CPU 1) and `free` (no pinning: the scheduler's choice). The direct row is always the
 * upstream alone on CPU 0 with wrk on CPU 1: the ratio is what the proxy leaves of it.
 * Knobs as in the main bench (lib/config.ts): BENCH_ROUNDS (default 3 here), BENCH_SECONDS,
 * BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_BUILD, BENCH_SAVE, BENCH_TOOL; BENCH_ONLY picks fronts.
 * CPU per request (from /proc) is reported beside req/s: on a busy machine it moves far less.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from './lib/config.js';
import { check, type LoadOptions, type LoadResult, load } from './lib/load.js';
import { hasCommand, machineInfo, pinned, toolVersion } from './lib/machine.js';
import { cpuTimeMs, type RunningServer, startServer, stopServer } from './lib/servers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = fileURLToPath(new URL('.', import.meta.url));
const NGINX = '/usr/sbin/nginx';
const HELLO = 'Hello World!';
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Something that answers on a port and has a process whose CPU and memory can be read. */
interface Front {
  name: string;
  label: string;
  server: RunningServer;
}

function build(): void {
  log('building the packages and bench/proxy-fronts.ts…');
  const steps: Array<[string, string[], string]> = [
    ['npm', ['run', 'build'], ROOT],
    ['npx', ['tsc', '-p', 'tsconfig.proxy.json'], BENCH],
  ];
  for (const [command, args, cwd] of steps) {
    const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  }
}

/** A node process from dist/proxy-fronts.js (lib/servers.ts runs files from dist/servers). */
function startNode(kind: string, label: string, upstream: string, cpu: number | undefined) {
  const spec = {
    name: kind,
    label,
    file: '../proxy-fronts',
    env: { PROXY_KIND: kind, PROXY_UPSTREAM: upstream },
  };
  return startServer(spec, cpu);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('nginx did not start listening');
}

/** nginx, unprivileged: its own prefix, config, pid and temp paths in a temp folder; one worker. */
async function startNginx(
  upstreamPort: number,
  cpu: number | undefined,
  dir: string,
): Promise<RunningServer> {
  const port = await freePort();
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const config = `
worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const [command, args] = pinned(cpu, NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForPort(port, child);
  const spec = { name: 'nginx', label: 'nginx proxy_pass', file: '' };
  return { spec, port, process: child };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function rssMiB(server: RunningServer): number | undefined {
  try {
    const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kib ? Number(kib[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const f1 = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
const f2 = (value: number) => value.toFixed(2);

/** Where each process runs: CPUs for the front, the upstream and wrk (undefined: anywhere). */
interface Placement {
  name: string;
  front: number | undefined;
  upstream: number | undefined;
  load: number | undefined;
}

const DIRECT: Placement = { name: 'direct', front: 0, upstream: 0, load: 1 };
const PLACEMENTS: Placement[] = [
  { name: 'shared', front: 0, upstream: 0, load: 1 },
  { name: 'split', front: 0, upstream: 1, load: 1 },
  { name: 'free', front: undefined, upstream: undefined, load: undefined },
];

/** Moves every thread of a running process to `cpu` (or lets it run anywhere). */
function repin(server: RunningServer, cpu: number | undefined): void {
  const cpus = cpu === undefined ? '0-1023' : String(cpu);
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(server.process.pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  // a CPU list wider than the machine is cut to what it has; anything else is a failure
  if (result.status !== 0) throw new Error(`taskset -a -p -c ${cpus} failed: ${result.stderr}`);
}

async function main(): Promise<void> {
  const config = readConfig();
  const rounds = process.env.BENCH_ROUNDS ? config.rounds : 3;
  const tool = config.tool ?? (hasCommand('wrk') ? 'wrk' : 'autocannon');
  if (!hasCommand('taskset')) throw new Error('bench:proxy needs taskset (util-linux) to place processes');
  if (config.build) build();
  const options: LoadOptions = { tool, seconds: config.seconds, connections: config.connections, cpu: 1 };
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-proxy-bench-'));
  const started: RunningServer[] = [];
  const wanted = (name: string) => config.only.length === 0 || config.only.includes(name);
  try {
    const upstream = await startNode('upstream', 'tsgi upstream, direct', '', 0);
    started.push(upstream);
    const target = `http://127.0.0.1:${upstream.port}`;
    const fronts: Front[] = [{ name: 'direct', label: 'upstream, direct', server: upstream }];
    for (const [name, label] of [
      ['tsgi', 'tsgi proxy()'],
      ['fastify', '@fastify/http-proxy 11'],
      ['express', 'http-proxy-middleware 3 (Express 5)'],
      ['floor-http', 'floor: node:http + undici dispatch(), no checks'],
      ['floor-tcp', 'floor: raw TCP pipe in Node'],
    ] as const) {
      if (!wanted(name)) continue;
      const server = await startNode(name, label, target, 0);
      started.push(server);
      fronts.push({ name, label, server });
    }
    if (wanted('nginx')) {
      const nginx = await startNginx(upstream.port, 0, dir);
      started.push(nginx);
      fronts.push({ name: 'nginx', label: 'nginx proxy_pass (1 worker)', server: nginx });
    }

    const request = { method: 'GET' as const, path: '/' };
    for (const front of fronts) {
      await check(front.server.port, request, HELLO);
      await load(front.server.port, request, { ...options, seconds: config.warmup });
    }
    // one load: `front` with every process where `placement` puts it
    const cases = fronts.flatMap((front) =>
      front.name === 'direct'
        ? [{ front, placement: DIRECT }]
        : PLACEMENTS.map((placement) => ({ front, placement })),
    );
    const key = (front: Front, placement: Placement) => `${front.name}/${placement.name}`;
    const results = new Map<string, LoadResult[]>();
    const frontCpu = new Map<string, number[]>();
    const upstreamCpu = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, k: string, value: number) => {
      map.set(k, [...(map.get(k) ?? []), value]);
    };
    log(`${cases.length} loads a round × ${rounds} rounds × ${config.seconds} s with ${tool}`);
    for (let round = 0; round < rounds; round++) {
      const order = cases.map((_, i) => cases[(i + round) % cases.length]!);
      for (const { front, placement } of order) {
        repin(upstream, placement.upstream);
        if (front.server !== upstream) repin(front.server, placement.front);
        const cpuBefore = cpuTimeMs(front.server) ?? 0;
        const upstreamBefore = cpuTimeMs(upstream) ?? 0;
        const result = await load(front.server.port, request, { ...options, cpu: placement.load });
        const cpu = (cpuTimeMs(front.server) ?? 0) - cpuBefore;
        const upstreamUsed = (cpuTimeMs(upstream) ?? 0) - upstreamBefore;
        const k = key(front, placement);
        results.set(k, [...(results.get(k) ?? []), result]);
        push(upstreamCpu, k, (upstreamUsed * 1000) / result.requests);
        if (front.name !== 'direct') push(frontCpu, k, (cpu * 1000) / result.requests);
        log(
          `round ${round + 1}/${rounds} ${front.label}, ${placement.name}: ${Math.round(result.rps)} req/s`,
        );
      }
      repin(upstream, 0);
      for (const front of fronts) repin(front.server, 0);
    }
    const direct = results.get(key(fronts[0]!, DIRECT))!;
    const ratio = (k: string) => median(results.get(k)!.map((r, i) => r.rps / direct[i]!.rps));
    const lines: string[] = [
      `# Proxy benchmark, ${new Date().toISOString().slice(0, 10)}`,
      '',
      ...machineInfo(toolVersion(tool)),
      `- ${rounds} rounds × ${config.seconds} s, ${config.connections} connections (wrk -t1), GET / (12-byte hello)`,
      '- direct: the upstream on CPU 0, wrk on CPU 1. Placements of a proxied load: shared = front and',
      '  upstream on CPU 0, wrk on CPU 1; split = front on CPU 0, upstream and wrk on CPU 1; free = no pinning',
      '- × direct: the median over rounds of (this load ÷ the direct load of the same round)',
      '',
      '| front | × direct, shared | split | free | req/s shared | front CPU µs/req shared | split | upstream CPU µs/req shared | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const front of fronts) {
      const placements = front.name === 'direct' ? [DIRECT] : PLACEMENTS;
      const errors = placements
        .flatMap((placement) => results.get(key(front, placement))!)
        .reduce((sum, r) => sum + r.errors + r.non2xx, 0);
      const first = key(front, placements[0]!);
      const cells =
        front.name === 'direct'
          ? ['1.00', '–', '–']
          : PLACEMENTS.map((placement) => f2(ratio(key(front, placement))));
      const cpu = (placement: Placement) =>
        front.name === 'direct' ? '–' : f1(median(frontCpu.get(key(front, placement))!));
      lines.push(
        `| ${front.label} | ${cells.join(' | ')} | ${Math.round(median(results.get(first)!.map((r) => r.rps)))} | ${cpu(PLACEMENTS[0]!)} | ${cpu(PLACEMENTS[1]!)} | ${f1(median(upstreamCpu.get(first)!))} | ${errors} |`,
      );
    }

    log('memory under 50 connections…');
    lines.push(
      '',
      '| front | RSS idle MiB | after 1st load | after 2nd load | growth |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const front of fronts) {
      const idle = rssMiB(front.server);
      const memory = { ...options, connections: 50 };
      await load(front.server.port, request, memory);
      const first = rssMiB(front.server);
      await load(front.server.port, request, memory);
      const second = rssMiB(front.server);
      const growth = first !== undefined && second !== undefined ? second - first : undefined;
      lines.push(`| ${front.label} | ${f1(idle)} | ${f1(first)} | ${f1(second)} | ${f1(growth)} |`);
    }
    const report = `${lines.join('\n')}\n`;
    process.stdout.write(report);
    if (config.save) {
      mkdirSync(join(BENCH, 'results'), { recursive: true });
      const file = join(BENCH, 'results', `proxy-${new Date().toISOString().slice(0, 10)}.md`);
      writeFileSync(file, report);
      log(`saved ${file}`);
    }
  } finally {
    for (const server of started) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
