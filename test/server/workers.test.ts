// Multi-process serving: `tsgi serve --workers N` and `serve(app, { workers })` on node:cluster.
// Every client request opens a new connection (httpRequest uses no agent), as a load balancer's
// health checks and most benchmarks do; a failed request is counted, never retried.
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { distinctPids, pidOf, steadyLoad } from '../helpers/load.js';
import { FIXTURES, serveCli, start, stopProcesses } from '../helpers/tsgi-process.js';

afterEach(stopProcesses);

const TOOLS = `${FIXTURES}apps.ts#tools`;

// ceilings for a loaded machine (each test takes a few seconds)
describe('tsgi serve --workers', { timeout: 60_000 }, () => {
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
});

// ceilings for a loaded machine (each test takes a few seconds)
describe('serve(app, { workers })', { timeout: 60_000 }, () => {
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

  it('kills a worker that never listens, and rejects once they keep failing', async () => {
    const script = start(['--conditions=tsgi-source', '--import', 'tsx', `${FIXTURES}stuck-script.ts`]);
    expect(await script.exited).toBe(1);
    expect(script.stderr).toMatch(/worker \d+ was killed after 300 ms before it listened/);
    expect(script.stdout).toBe('rejected: workers exited before listening 2 times in a row; giving up\n');
  });
});
