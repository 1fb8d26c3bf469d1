// Multi-process serving: `tsgi serve --workers N` and `serve(app, { workers })` on node:cluster.
// Every client request opens a new connection (httpRequest uses no agent), as a load balancer's
// health checks and most benchmarks do; a failed request is counted, never retried.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { FIXTURES, serveCli, start, stopProcesses } from '../helpers/tsgi-process.js';

afterEach(stopProcesses);

const TOOLS = `${FIXTURES}apps.ts#tools`;

async function pidOf(url: string): Promise<number> {
  const response = await httpRequest(url);
  expect(response.status).toBe(200);
  return (JSON.parse(response.text) as { pid: number }).pid;
}

/** Requests until `count` distinct workers answered (for up to 8 s: a new worker takes a moment to listen). */
async function distinctPids(url: string, count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  const until = Date.now() + 8000;
  while (pids.size < count && Date.now() < until) {
    pids.add(await pidOf(url));
    if (pids.size < count) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pids;
}

/**
 * GET on a new connection, given up after 3 s. With round-robin scheduling the primary holds a
 * connection until the worker it handed it to accepts it: one handed to a worker that dies at
 * that moment is never answered nor closed (node:cluster's, not ours), so a client needs a timeout.
 */
function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        res.complete ? resolve({ status: res.statusCode ?? 0, text }) : reject(new Error('incomplete')),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Requests from `concurrency` clients until `stop()`: how many succeeded and failed, and the pids seen. */
function steadyLoad(url: string, concurrency = 2) {
  let running = true;
  const result = { ok: 0, failed: 0, errors: [] as string[], pids: new Set<number>() };
  const client = async () => {
    while (running) {
      try {
        const response = await get(`${url}/load`);
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        result.pids.add((JSON.parse(response.text) as { pid: number }).pid);
        result.ok++;
      } catch (error) {
        result.failed++;
        result.errors.push((error as Error).message);
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    result,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return result;
    },
  };
}

describe('tsgi serve --workers', () => {
  it('runs two workers on one port, each answering, with tsgi.multiprocess', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2']);
    expect(cli.stdout).toMatch(/with 2 workers/);
    const pids = await distinctPids(cli.url, 2);
    expect(pids.size).toBe(2);
    expect(pids.has(cli.child.pid as number)).toBe(false); // the master serves nothing
    const seen = JSON.parse((await httpRequest(cli.url)).text);
    expect(seen.multiprocess).toBe(true);
  });

  it('respawns a worker that crashes under load; the others keep answering', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2']);
    const before = await distinctPids(cli.url, 2);
    const load = steadyLoad(cli.url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const crashed = await pidOf(`${cli.url}/crash`); // answers, then exits with code 3
    await cli.waitFor(new RegExp(`worker ${crashed} exited with code 3; starting another`));
    const afterCrash = load.result.ok;
    const back = await distinctPids(cli.url, 2);
    const result = await load.stop();
    expect([...back].filter((pid) => !before.has(pid))).toHaveLength(1); // it came back, as a new pid
    expect(back.has(crashed)).toBe(false);
    expect(result.ok).toBeGreaterThan(afterCrash); // serving went on
    // only what the dying worker held when it exited can fail: a request or two in flight
    expect(result.failed).toBeLessThanOrEqual(2);
  });

  it('SIGTERM: a long response in flight completes, then the master exits 0', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2', '--graceful-timeout', '5']);
    const slow = httpRequest(`${cli.url}/slow?ms=700`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    cli.child.kill('SIGTERM');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await cli.exited).toBe(0);
    await expect(httpRequest(cli.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('SIGHUP under steady load: zero failed requests, every worker replaced', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2']);
    const before = await distinctPids(cli.url, 2);
    const load = steadyLoad(cli.url, 3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    cli.child.kill('SIGHUP');
    await cli.waitFor(/rolling restart done/, 15_000);
    const okAtDone = load.result.ok;
    const after = await distinctPids(cli.url, 2);
    const result = await load.stop();
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(okAtDone);
    expect(after.size).toBe(2);
    for (const pid of after) expect(before.has(pid)).toBe(false);
  });

  it('replaces a worker whose event loop is blocked, logging the request and its stack', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2', '--timeout', '0.3']);
    await distinctPids(cli.url, 2);
    await expect(httpRequest(`${cli.url}/block?ms=20000`)).rejects.toThrow(); // its worker is killed
    const [report] = await cli.waitFor(
      /worker (\d+) blocked its event loop for \d+ ms \(timeout 300 ms\), serving GET \/block for \d+ ms, 1 in flight; stack:\n(\s+at .*\n)+/,
    );
    expect(report).toMatch(/at tools \(.*apps\.ts:\d+:\d+\)/);
    await cli.waitFor(/was killed: its event loop was blocked; starting another/);
    expect((await distinctPids(cli.url, 2)).size).toBe(2);
  });

  it('gives up, with the reason and exit 1, when workers keep crashing at start-up', async () => {
    const cli = start([
      `${FIXTURES}../../../packages/core/bin/tsgi.js`,
      'serve',
      `${FIXTURES}broken.mjs`,
      '--workers',
      '2',
      '--port',
      '0',
    ]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toMatch(/exited with code 1 before it listened: broken on purpose/);
    expect(cli.stderr.trim().split('\n').at(-1)).toBe(
      'tsgi: workers exited before listening 5 times in a row: broken on purpose; giving up',
    );
  });

  it('SIGTTIN adds a worker, SIGTTOU removes one', async () => {
    const cli = await serveCli([TOOLS, '--workers', '1']);
    cli.child.kill('SIGTTIN');
    await cli.waitFor(/SIGTTIN: 2 workers/);
    expect((await distinctPids(cli.url, 2)).size).toBe(2);
    cli.child.kill('SIGTTOU');
    await cli.waitFor(/SIGTTOU: 1 workers/);
  });

  it('--max-requests recycles workers gracefully: no request fails', async () => {
    const cli = await serveCli([
      TOOLS,
      '--workers',
      '2',
      '--max-requests',
      '5',
      '--max-requests-jitter',
      '0',
    ]);
    const load = steadyLoad(cli.url, 2);
    await cli.waitFor(/reached its max requests; replacing it[\s\S]*reached its max requests/, 15_000);
    const result = await load.stop();
    expect(result.errors).toEqual([]);
    expect(result.pids.size).toBeGreaterThan(2);
  });
});

describe('serve(app, { workers })', () => {
  it('forks from the same script; the primary never calls the app, close() stops them all', async () => {
    const script = start(['--conditions=tsgi-source', '--import', 'tsx', `${FIXTURES}cluster-script.ts`]);
    const [, url] = await script.waitFor(/primary (http:\/\/\S+)/);
    const pids = await distinctPids(url as string, 2);
    expect(pids.size).toBe(2);
    expect(pids.has(script.child.pid as number)).toBe(false);
    script.child.stdin?.write('close\n');
    await script.waitFor(/closed/);
    expect(await script.exited).toBe(0); // nothing left holding the primary open
    await expect(httpRequest(url as string)).rejects.toThrow(/ECONNREFUSED/);
  });
});
