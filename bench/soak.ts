// Soak: serve() under a minute of mixed load, aborting clients included. Passes when no request
// failed, RSS after warm-up stays flat (within 10%) to the end, and every body the app returned
// was closed. Not a unit test: `npm run soak -w @tsgi/bench` (SOAK_SECONDS to shorten it; under
// about 30 s the warm-up is too short for the RSS check to mean much, SOAK_CONCURRENCY for clients).
//
// The server runs in a child process, so that its RSS is its own, and answers `stats` over IPC.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type App, type Body, type Chunk, serve } from '@tsgi/core';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
/** Largest growth of RSS from after warm-up to the middle and to the end. */
const RSS_TOLERANCE = 0.1;

interface Stats {
  rss: number;
  /** Responses started: bodies the app returned. */
  started: number;
  /** close() calls on those bodies. */
  closed: number;
}

// ---------------------------------------------------------------- the server (child process)

function serverApp(stats: Stats): App {
  const tracked = (chunks: Iterable<Chunk> | AsyncIterable<Chunk>): Body => {
    stats.started++;
    return Object.assign(chunks, { close: () => void stats.closed++ });
  };
  const text: Array<[string, string]> = [['Content-Type', 'text/plain']];
  return async (environ, startResponse) => {
    switch (environ.PATH_INFO) {
      case '/hello':
        startResponse('200 OK', text);
        return tracked(['hello world']);
      case '/stream':
        startResponse('200 OK', text);
        return tracked(
          (async function* () {
            for (let i = 0; i < 20; i++) {
              yield `line ${i}\n`;
              await new Promise((resolve) => setImmediate(resolve));
            }
          })(),
        );
      case '/endless': // the client leaves mid-stream
        startResponse('200 OK', text);
        return tracked(
          (async function* () {
            for (;;) {
              yield 'x'.repeat(4096);
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
          })(),
        );
      case '/echo': {
        const chunks: Uint8Array[] = [];
        for await (const chunk of environ['tsgi.input']) chunks.push(chunk);
        startResponse('200 OK', text);
        return tracked([Buffer.concat(chunks)]);
      }
      case '/ignore': // answers without reading the upload
        startResponse('200 OK', text);
        return tracked(['ignored']);
      default:
        startResponse('404 Not Found', text);
        return tracked(['not found']);
    }
  };
}

async function runServer(): Promise<void> {
  const stats: Stats = { rss: 0, started: 0, closed: 0 };
  const server = await serve(serverApp(stats), {
    port: 0,
    errors: { write: (m) => process.stderr.write(m) },
  });
  process.on('message', (message: string) => {
    if (message === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ ...stats, rss: process.memoryUsage.rss() });
    } else if (message === 'close') {
      server.close().then(() => process.exit(0));
    }
  });
  process.send?.({ port: server.port });
}

// ---------------------------------------------------------------- the load (parent process)

interface Counts {
  requests: number;
  aborted: number;
  errors: number;
  firstErrors: string[];
}

function once(agent: Agent, port: number, kind: number, counts: Counts): Promise<void> {
  const fail = (what: string) => {
    counts.errors++;
    if (counts.firstErrors.length < 5) counts.firstErrors.push(what);
  };
  return new Promise((resolve) => {
    const upload = 'u'.repeat(8 * 1024);
    const [method, path, body, expected] = [
      ['GET', '/hello', undefined, 'hello world'],
      ['GET', '/stream', undefined, Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join('')],
      ['POST', '/echo', upload, upload],
      ['POST', '/ignore', upload, 'ignored'],
      ['HEAD', '/hello', undefined, ''],
      ['GET', '/endless', undefined, undefined],
    ][kind] as [string, string, string | undefined, string | undefined];
    const req = request({ host: '127.0.0.1', port, method, path, agent }, (res) => {
      let received = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => {
        received += chunk;
        if (expected === undefined && received.length >= 8192) {
          counts.aborted++;
          req.destroy(); // a client that leaves mid-stream
          resolve();
        }
      });
      res.on('end', () => {
        counts.requests++;
        if (res.statusCode !== 200 || received !== expected) fail(`${method} ${path}: ${res.statusCode}`);
        resolve();
      });
      res.on('error', () => {
        if (expected !== undefined) fail(`${method} ${path}: response error`);
        resolve();
      });
    });
    req.on('error', (error) => {
      if (expected !== undefined) fail(`${method} ${path}: ${error.message}`);
      resolve();
    });
    req.end(body);
  });
}

async function load(port: number, until: number, counts: Counts): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let turn = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (Date.now() < until) {
        // mostly cheap requests, one in twelve an aborting client
        const kind = [0, 0, 1, 2, 0, 3, 0, 4, 1, 0, 2, 5][(turn++ + worker) % 12] as number;
        await once(agent, port, kind, counts);
      }
    }),
  );
  agent.destroy();
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['server'], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: Array<(value: unknown) => void> = [];
  child.on('message', (message) => replies.shift()?.(message));
  const next = <T>() => new Promise<T>((resolve) => replies.push(resolve as (value: unknown) => void));
  const { port } = await next<{ port: number }>();
  const stats = () => {
    const reply = next<Stats>();
    child.send('stats');
    return reply;
  };

  const counts: Counts = { requests: 0, aborted: 0, errors: 0, firstErrors: [] };
  const started = Date.now();
  // the heap grows for the first seconds under load before it settles: measure from there
  const warmup = Math.min(10, Math.max(5, Math.round(SECONDS / 6))) * 1000;
  const end = started + SECONDS * 1000;
  const loading = load(port, end, counts);
  const samples: Array<[string, Stats]> = [];
  const at = (ms: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())));
  await at(warmup);
  samples.push(['after warm-up', await stats()]);
  await at(warmup + (SECONDS * 1000 - warmup) / 2);
  samples.push(['middle', await stats()]);
  await loading;
  // the last aborted streams close when their sockets do: give them a moment
  let last = await stats();
  for (let i = 0; i < 50 && last.closed !== last.started; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await stats();
  }
  samples.push(['end', last]);
  child.send('close');

  const base = (samples[0] as [string, Stats])[1].rss;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(`soak: ${SECONDS} s, ${CONCURRENCY} clients, serve() on node ${process.version}`);
  console.log(`requests completed  ${counts.requests}  (${Math.round(counts.requests / SECONDS)}/s)`);
  console.log(`clients aborted     ${counts.aborted}`);
  console.log(`errors              ${counts.errors}${counts.firstErrors.map((e) => `\n  ${e}`).join('')}`);
  for (const [name, sample] of samples) {
    const growth = ((sample.rss - base) / base) * 100;
    console.log(
      `RSS ${name.padEnd(14)}  ${mb(sample.rss)}  (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%)`,
    );
  }
  console.log(`responses started   ${last.started}`);
  console.log(`close() calls       ${last.closed}`);
  const flat = samples.every(([, sample]) => sample.rss <= base * (1 + RSS_TOLERANCE));
  const ok = counts.errors === 0 && flat && last.closed === last.started;
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[2] === 'server') await runServer();
else await main();
