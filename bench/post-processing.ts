/**
 * `npm run bench:post -w @tsgi/bench`: compress() and serveStatic() against their peers, in one
 * run, as throughput ratios (tsgi ÷ peer; above 1 is tsgi ahead).
 *   compress: a 64 KiB HTML page, gzip level 6 and brotli quality 4, vs @fastify/compress and
 *             Express's `compression` at the same settings.
 *   static:   a 1 KiB and a 1 MiB file vs @fastify/static, Express's serve-static and nginx
 *             (Debian's /usr/sbin/nginx, one worker, its own config, pid and temp paths here).
 *   memory:   the tsgi server's peak RSS while 50 connections stream the 1 MiB file, then a 16 MiB one.
 * Each server runs in its own process; autocannon loads them in interleaved rounds
 * (A B C, B C A, …) and each row reports the median of the per-round throughput ratios, and
 * the server's CPU time per request (its process and children, from /proc): on a busy shared
 * machine, CPU per request moves far less than requests per second. Above 1 is tsgi ahead.
 * Knobs: BENCH_ROUNDS (3), BENCH_SECONDS (3), BENCH_CONNECTIONS (32).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const HOST = '127.0.0.1';
const SELF = fileURLToPath(import.meta.url);
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const NGINX = '/usr/sbin/nginx';
const GZIP_LEVEL = 6;
const BROTLI_QUALITY = 4;

/** A 64 KiB page of varied markup (a table of rows), so compression has real work to do. */
function htmlPage(): string {
  const rows: string[] = [];
  for (let i = 0; rows.join('').length < 64 * 1024 - 200; i++) {
    rows.push(
      `<tr><td>${i}</td><td><a href="/items/${(i * 7919) % 10007}">Item ${(i * 31) % 997}</a></td><td>${((i * 13.37) % 100).toFixed(2)}</td><td class="s${i % 5}">${['new', 'used', 'sold', 'kept', 'lost'][i % 5]}</td></tr>\n`,
    );
  }
  const page = `<!doctype html><html><head><title>Items</title></head><body><table>\n${rows.join('')}</table></body></html>`;
  return page.padEnd(64 * 1024, ' ');
}

// ---- the servers (each in its own process: `tsx post-processing.ts serve <kind> <folder>`) ----

async function serveOne(kind: string, folder: string): Promise<void> {
  const page = htmlPage();
  const announce = (port: number): void => {
    process.stdout.write(`PORT ${port}\n`);
  };
  if (kind.startsWith('tsgi')) {
    const { serve } = await import('@tsgi/core');
    const { compress } = await import('@tsgi/middleware/compress');
    const { serveStatic } = await import('@tsgi/middleware/static');
    const html = (_environ: unknown, startResponse: (s: string, h: [string, string][]) => unknown) => {
      startResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8']]);
      return [page];
    };
    const app =
      kind === 'tsgi-compress'
        ? compress({ level: { gzip: GZIP_LEVEL, br: BROTLI_QUALITY } })(html)
        : serveStatic(folder);
    const server = await serve(app, { host: HOST, port: 0, errors: { write: () => {} } });
    return announce(server.port);
  }
  if (kind.startsWith('fastify')) {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    if (kind === 'fastify-compress') {
      const { default: fastifyCompress } = await import('@fastify/compress');
      await app.register(fastifyCompress, {
        global: true,
        threshold: 1024,
        zlibOptions: { level: GZIP_LEVEL },
        brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
      });
      app.get('/page', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
    } else {
      const { default: fastifyStatic } = await import('@fastify/static');
      await app.register(fastifyStatic, { root: folder });
    }
    const address = await app.listen({ host: HOST, port: 0 });
    return announce(Number(new URL(address).port));
  }
  const { default: express } = await import('express');
  const app = express();
  if (kind === 'express-compress') {
    const { default: compression } = await import('compression');
    app.use(
      compression({
        level: GZIP_LEVEL,
        threshold: 1024,
        brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
      }),
    );
    app.get('/page', (_request, response) => {
      response.type('text/html; charset=utf-8').send(page);
    });
  } else {
    const { default: serveStatic } = await import('serve-static');
    app.use(serveStatic(folder));
  }
  const server = app.listen(0, HOST, () => {
    const address = server.address();
    announce(typeof address === 'object' && address !== null ? address.port : 0);
  });
}

// ---- the runner ----

interface Running {
  name: string;
  port: number;
  process: ChildProcess;
}

function startNode(kind: string, folder: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--conditions=tsgi-source', '--import', 'tsx', SELF, 'serve', kind, folder],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      const port = /PORT (\d+)/.exec(output)?.[1];
      if (port !== undefined) resolve({ name: kind, port: Number(port), process: child });
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before listening`)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** nginx unprivileged-style: its own prefix, config, pid and temp paths; one worker; no logs. */
async function startNginx(folder: string, work: string): Promise<Running> {
  const port = await freePort();
  const prefix = join(work, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  const temp = (name: string) => `${name}_temp_path ${join(prefix, name)};`;
  writeFileSync(
    conf,
    `worker_processes 1; daemon off; pid ${join(prefix, 'nginx.pid')}; error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types; access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  server { listen ${HOST}:${port}; root ${folder}; location / { } }
}
`,
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')], {
    stdio: 'inherit',
  });
  for (let i = 0; i < 50; i++) {
    if (
      await fetch(`http://${HOST}:${port}/small.txt`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return { name: 'nginx', port, process: child };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(
    `nginx did not answer on ${port}: ${readFileSync(join(prefix, 'logs', 'error.log'), 'utf8')}`,
  );
}

interface Load {
  rps: number;
  mbps: number;
  errors: number;
}

function autocannon(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<Load> {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...args, url], { maxBuffer: 1 << 24 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
        requests: { total: number };
        throughput: { total: number };
        duration: number;
        errors: number;
        timeouts: number;
        non2xx: number;
      };
      resolve({
        rps: result.requests.total / result.duration,
        mbps: result.throughput.total / result.duration / 2 ** 20,
        errors: result.errors + result.timeouts + result.non2xx,
      });
    });
  });
}

/** Checks that a server answers the row's request as expected before it is measured. */
async function verify(
  port: number,
  path: string,
  headers: Record<string, string>,
  expected: Buffer,
): Promise<void> {
  const response = await fetch(`http://${HOST}:${port}${path}`, { headers });
  const body = Buffer.from(await response.arrayBuffer()); // fetch decodes gzip and br
  if (response.status !== 200 || !body.equals(expected)) {
    throw new Error(
      `port ${port} ${path}: ${response.status}, ${body.byteLength} bytes (wanted ${expected.byteLength})`,
    );
  }
  const encoding = headers['accept-encoding'];
  if (encoding !== undefined && response.headers.get('content-encoding') !== encoding) {
    throw new Error(
      `port ${port} ${path}: not ${encoding}-encoded (${response.headers.get('content-encoding')})`,
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** CPU time (user + system, ms) of a process and its direct children (nginx's worker). */
function cpuMs(pid: number | undefined): number {
  const ticks = (id: string): number => {
    try {
      // fields after the command name (which may hold spaces): utime is the 12th, stime the 13th
      const fields = readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: only the process itself
  }
  return ((ticks(String(pid)) + children.reduce((sum, child) => sum + ticks(child), 0)) * 1000) / 100; // USER_HZ
}

function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Row {
  name: string;
  path: string;
  headers: Record<string, string>;
  expected: Buffer;
  servers: Running[];
}

async function measure(row: Row, rounds: number, seconds: number, connections: number): Promise<string[]> {
  const [tsgi, ...peers] = row.servers as [Running, ...Running[]];
  for (const server of row.servers) await verify(server.port, row.path, row.headers, row.expected);
  for (const server of row.servers)
    await autocannon(`http://${HOST}:${server.port}${row.path}`, row.headers, 1, connections);
  const rps = new Map<string, number[]>(row.servers.map((s) => [s.name, []]));
  // CPU per request is steadier than req/s on a shared machine: both are reported
  const cpu = new Map<string, { ms: number; requests: number }>(
    row.servers.map((s) => [s.name, { ms: 0, requests: 0 }]),
  );
  for (let round = 0; round < rounds; round++) {
    const order = row.servers.map((_, i) => row.servers[(i + round) % row.servers.length] as Running);
    for (const server of order) {
      const cpuBefore = cpuMs(server.process.pid);
      const url = `http://${HOST}:${server.port}${row.path}`;
      const result = await autocannon(url, row.headers, seconds, connections);
      const used = cpu.get(server.name) as { ms: number; requests: number };
      used.ms += cpuMs(server.process.pid) - cpuBefore;
      used.requests += result.rps * seconds;
      if (result.errors > 0) process.stderr.write(`  ${row.name} ${server.name}: ${result.errors} errors\n`);
      rps.get(server.name)?.push(result.rps);
    }
  }
  const ours = rps.get(tsgi.name) as number[];
  const perRequest = (name: string) => {
    const used = cpu.get(name) as { ms: number; requests: number };
    return (used.ms * 1000) / used.requests; // µs
  };
  const lines = [
    `| ${row.name} | tsgi ${median(ours).toFixed(0)} req/s | | ${perRequest(tsgi.name).toFixed(0)} µs | |`,
  ];
  for (const peer of peers) {
    const theirs = rps.get(peer.name) as number[];
    const ratio = median(ours.map((value, i) => value / (theirs[i] as number)));
    const cpuRatio = perRequest(peer.name) / perRequest(tsgi.name);
    lines.push(
      `|  vs ${peer.name} | ${median(theirs).toFixed(0)} req/s | **${ratio.toFixed(2)}** | ${perRequest(peer.name).toFixed(0)} µs | **${cpuRatio.toFixed(2)}** |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const work = mkdtempSync(join(tmpdir(), 'tsgi-bench-post-'));
  const folder = join(work, 'public');
  mkdirSync(folder);
  // nginx started as root runs its workers as nobody: they must be able to read the folder
  chmodSync(work, 0o755);
  const small = Buffer.alloc(1024, 'small file. ');
  const large = Buffer.alloc(1024 * 1024, 'a larger file, streamed in chunks. ');
  writeFileSync(join(folder, 'small.txt'), small);
  writeFileSync(join(folder, 'large.txt'), large);
  writeFileSync(
    join(folder, 'huge.txt'),
    Buffer.alloc(16 * 1024 * 1024, 'a file too large to hold per connection. '),
  );
  const running: Running[] = [];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const start = async (kind: string) => {
      const server = await startNode(kind, folder);
      running.push(server);
      return server;
    };
    const compressServers = [
      await start('tsgi-compress'),
      await start('fastify-compress'),
      await start('express-compress'),
    ];
    const staticServers = [
      await start('tsgi-static'),
      await start('fastify-static'),
      await start('express-static'),
    ];
    const nginx = await startNginx(folder, work);
    running.push(nginx);
    const page = Buffer.from(htmlPage());
    const rows: Row[] = [
      {
        name: 'compress 64 KiB HTML, gzip 6',
        path: '/page',
        headers: { 'accept-encoding': 'gzip' },
        expected: page,
        servers: compressServers,
      },
      {
        name: 'compress 64 KiB HTML, br 4',
        path: '/page',
        headers: { 'accept-encoding': 'br' },
        expected: page,
        servers: compressServers,
      },
      {
        name: 'static 1 KiB file',
        path: '/small.txt',
        headers: {},
        expected: small,
        servers: [...staticServers, nginx],
      },
      {
        name: 'static 1 MiB file',
        path: '/large.txt',
        headers: {},
        expected: large,
        servers: [...staticServers, nginx],
      },
    ];
    const out = [
      `# post-processing bench — ${new Date().toISOString()}`,
      '',
      `node ${process.version}, ${rounds} rounds × ${seconds} s, ${connections} connections, autocannon`,
      '',
    ];
    out.push(
      '| row | req/s (median of rounds) | tsgi ÷ peer, req/s | server CPU per request | peer ÷ tsgi, CPU |',
      '|---|---|---|---|---|',
    );
    for (const row of rows) {
      log(`measuring ${row.name}…`);
      out.push(...(await measure(row, rounds, seconds, connections)));
    }
    // memory: 50 connections streaming through serveStatic; the 16 MiB file shows the peak does
    // not grow with the file (buffered, 50 × 16 MiB would be 800 MiB)
    const tsgiStatic = staticServers[0] as Running;
    out.push('');
    for (const [path, label] of [
      ['/large.txt', '1 MiB'],
      ['/huge.txt', '16 MiB'],
    ] as const) {
      const before = rssMiB(tsgiStatic.process.pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB(tsgiStatic.process.pid));
      }, 50);
      const streamed = await autocannon(`http://${HOST}:${tsgiStatic.port}${path}`, {}, seconds, 50);
      clearInterval(sampler);
      out.push(
        `memory: tsgi serveStatic, ${label} file to 50 connections: RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB peak (${streamed.mbps.toFixed(0)} MiB/s)  `,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const server of running) server.process.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') await serveOne(process.argv[3] as string, process.argv[4] as string);
else await main();
