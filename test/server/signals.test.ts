// The master's signals and recycling: SIGTERM, SIGHUP, SIGTTIN/SIGTTOU, --max-requests (a file of
// its own so that it runs beside workers.test.ts).
// Every client request opens a new connection (httpRequest uses no agent), as a load balancer's
// health checks and most benchmarks do; a failed request is counted, never retried.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { distinctPids, steadyLoad } from '../helpers/load.js';
import { RawConnection } from '../helpers/raw.js';
import { BIN, FIXTURES, serveCli, start, stopProcesses } from '../helpers/tsgi-process.js';

afterEach(stopProcesses);

const TOOLS = `${FIXTURES}apps.ts#tools`;

// ceilings for a loaded machine (each test takes a few seconds)
describe('tsgi serve --workers: signals and recycling', { timeout: 60_000 }, () => {
  it('SIGTERM: a long response in flight completes, then the master exits 0', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2', '--graceful-timeout', '5']);
    const connection = await RawConnection.open(Number(new URL(cli.url).port));
    connection.write('GET /drip?ms=700 HTTP/1.1\r\nHost: x\r\n\r\n');
    // in flight for sure: a worker has answered its head (a fixed sleep could signal before a
    // loaded machine had even handed the connection to a worker)
    await connection.waitForText('first\n');
    cli.child.kill('SIGTERM');
    const response = await connection.response();
    expect([response.status, response.complete]).toEqual([200, true]);
    expect(response.body.toString()).toMatch(/^first\n\{"pid":\d+\}\n$/);
    connection.destroy();
    expect(await cli.exited).toBe(0);
    await expect(httpRequest(cli.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('SIGTERM closes an idle keep-alive connection at once, not after its keep-alive timeout', async () => {
    const cli = await serveCli([TOOLS, '--workers', '1']);
    const { port } = new URL(cli.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      received += text;
    });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 2000 && !received.endsWith('}\n'); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 10));
    expect(received).toMatch(/^HTTP\/1\.1 200 OK/); // answered, and the connection stays open, idle
    const signalled = Date.now();
    cli.child.kill('SIGTERM');
    await ended;
    expect(await cli.exited).toBe(0);
    // node's keep-alive timeout is 5 s: the server closed the idle connection itself, at once
    expect(Date.now() - signalled).toBeLessThan(4000);
  });

  it('SIGHUP under steady load: zero failed requests, every worker replaced', async () => {
    const cli = await serveCli([TOOLS, '--workers', '2']);
    const before = await distinctPids(cli.url, 2);
    const load = steadyLoad(cli.url, 3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    cli.child.kill('SIGHUP');
    await cli.waitFor(/rolling restart done/);
    const okAtDone = load.result.ok;
    const after = await distinctPids(cli.url, 2);
    const result = await load.stop();
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(okAtDone);
    expect(after.size).toBe(2);
    for (const pid of after) expect(before.has(pid)).toBe(false);
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
    await cli.waitFor(/reached its max requests; replacing it[\s\S]*reached its max requests/);
    // the second message comes once the first replacement listens, maybe before it answered
    // anyone (both first workers reach 5 at about the same time): keep the load on until it has
    for (let i = 0; i < 400 && load.result.pids.size <= 2; i++) await new Promise((r) => setTimeout(r, 20));
    const result = await load.stop();
    expect(result.errors).toEqual([]);
    expect(result.pids.size).toBeGreaterThan(2);
  });

  it('SIGTERM while a worker still loads the app stops it at once, not after the shutdown deadline', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tsgi-slow-'));
    const pids = join(folder, 'pids');
    writeFileSync(pids, '');
    try {
      // --graceful-timeout 1: the master's deadline for a stopping worker is 6 s
      const cli = start(
        [
          BIN,
          'serve',
          `${FIXTURES}slow-start.mjs`,
          '--workers',
          '1',
          '--port',
          '0',
          '--graceful-timeout',
          '1',
        ],
        { SLOW_START_PIDS: pids, SLOW_START_MS: '800' },
      );
      while (readFileSync(pids, 'utf8') === '') await new Promise((resolve) => setTimeout(resolve, 20));
      const signalled = Date.now();
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      // a worker that does not listen yet serves nobody: it need not be waited for
      expect(Date.now() - signalled).toBeLessThan(4000);
      expect(cli.stdout).not.toMatch(/Serving on/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('SIGHUP during a rolling restart is not lost: a second pass loads what changed meanwhile', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tsgi-hup-'));
    const [pids, version] = [join(folder, 'pids'), join(folder, 'version')];
    writeFileSync(pids, '');
    writeFileSync(version, 'v1');
    const loaded = () => readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).length;
    const waitLoaded = async (count: number) => {
      while (loaded() < count) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      const cli = await serveCli([`${FIXTURES}slow-start.mjs`, '--workers', '2'], {
        SLOW_START_PIDS: pids,
        SLOW_START_VERSION: version,
        SLOW_START_MS: '300',
      });
      writeFileSync(version, 'v2');
      cli.child.kill('SIGHUP');
      await waitLoaded(3); // the first replacement loaded v2
      writeFileSync(version, 'v3'); // a change (--reload) or a deploy during the restart
      cli.child.kill('SIGHUP');
      await cli.waitFor(/rolling restart done[\s\S]*rolling restart done/);
      const versions = new Set<string>();
      for (let i = 0; i < 20; i++) versions.add((await httpRequest(cli.url)).text.split(' ')[0] as string);
      expect([...versions]).toEqual(['v3']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
