// How the cluster's primary answers crashing workers: back-off, giving up, and what it reads
// from workers (real node:cluster processes; every wait is for a line the primary prints).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { pidOf } from '../helpers/load.js';
import { onFreePort } from '../helpers/ports.js';
import { FIXTURES, type Running, start, stopProcesses } from '../helpers/tsgi-process.js';

afterEach(stopProcesses);

/** Runs crashing-script.ts: its first `crashFirst` workers exit right after listening. */
function crashing(options: object, crashFirst: number, extra: NodeJS.ProcessEnv = {}): Running {
  const counter = join(mkdtempSync(join(tmpdir(), 'tsgi-crashes-')), 'forks');
  writeFileSync(counter, '0');
  return start(['--conditions=tsgi-source', '--import', 'tsx', `${FIXTURES}crashing-script.ts`], {
    CLUSTER_OPTIONS: JSON.stringify(options),
    CRASH_FIRST: String(crashFirst),
    COUNTER: counter,
    ...extra,
  });
}

const lines = (text: string) => text.trim().split('\n');

/**
 * crashing() on a fixed free port, once its primary printed its URL; on another port if that one
 * was taken before the primary bound it (the workers then fail to listen, and it gives up).
 */
function crashingOnFreePort(options: object, crashFirst: number): Promise<[Running, string]> {
  return onFreePort(async (port) => {
    const script = crashing({ ...options, port }, crashFirst);
    const [, url] = await script.waitFor(/primary (http:\/\/\S+)/);
    return [script, url as string];
  });
}

/**
 * Once a worker answers `url`: with one worker, the port refuses connections (node:cluster
 * closes it in the primary) from its crash until the next one listens. Tries every 20 ms, for 15 s.
 */
async function whenServing(url: string): Promise<void> {
  for (const until = Date.now() + 15_000; ; ) {
    try {
      expect((await httpRequest(url)).status).toBe(200);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

// ceilings for a loaded machine (each test takes a few seconds)
describe('workers that crash', { timeout: 60_000 }, () => {
  it('backs off a worker that exits right after listening, then gives up with exit 1', async () => {
    const script = crashing({ respawnDelay: 50, maxRespawnDelay: 150, crashLimit: 4, minUptime: 60_000 }, 99);
    expect(await script.exited).toBe(1);
    const quick = / exited with code 4 \d+ ms after it listened, before any request/;
    const log = lines(script.stderr);
    expect(log).toHaveLength(5);
    // one line per crash, with the code and the delay: doubling, up to the cap
    for (const [line, delay] of log.slice(0, 3).map((line, i) => [line, [50, 100, 150][i]] as const)) {
      expect(line).toMatch(new RegExp(`^tsgi: worker \\d+${quick.source}; starting another in ${delay} ms$`));
    }
    expect(log[3]).toMatch(new RegExp(`^tsgi: worker \\d+${quick.source}$`));
    expect(log[4]).toBe('tsgi: workers exited before serving a request 4 times in a row; giving up');
    expect(script.stdout).toMatch(/done 1\n$/);
  });

  it('backs off a worker that crashes soon after serving, but never gives up over it', async () => {
    // a fixed port: with port 0, a worker started after the last one died may get another
    const [script, url] = await crashingOnFreePort(
      { respawnDelay: 20, maxRespawnDelay: 80, crashLimit: 1, minUptime: 60_000 },
      0,
    );
    for (const [n, delay] of [20, 40, 80, 80].entries()) {
      await whenServing(url);
      const pid = await pidOf(`${url}/crash`); // answers, then exits with code 3
      await script.waitFor(
        new RegExp(
          `tsgi: worker ${pid} exited with code 3; starting another in ${delay} ms \\(quick exit ${n + 1} in a row: up \\d+ ms, under minUptime 60000 ms\\)\n`,
        ),
      );
    }
    // crashLimit 1 counts start-up failures only: the primary is still there, and a worker answers
    await whenServing(url);
    expect(script.child.exitCode).toBeNull();
    expect(script.stderr).not.toMatch(/giving up/);
  });

  it('starts the back-off again once a worker has stayed up minUptime', async () => {
    const [script, url] = await crashingOnFreePort(
      { respawnDelay: 50, maxRespawnDelay: 1000, minUptime: 2500 },
      2,
    );
    await script.waitFor(/ before any request; starting another in 50 ms\n/);
    await script.waitFor(/ before any request; starting another in 100 ms\n/);
    const [, stayed] = await script.waitFor(
      /tsgi: worker (\d+) has been up 2500 ms: the crash back-off is reset\n/,
    );
    expect(await pidOf(`${url}/crash`)).toBe(Number(stayed));
    // it had been up longer than minUptime: the first delay again, and no streak
    await script.waitFor(
      new RegExp(`tsgi: worker ${stayed} exited with code 3; starting another in 50 ms\n`),
    );
    await whenServing(url);
  });

  it('ignores malformed messages and watchdog reports from a worker, logging each kind once', async () => {
    const script = crashing({}, 0, { MALFORMED: '1' });
    const [, url] = await script.waitFor(/primary (http:\/\/\S+)/);
    expect((await httpRequest(url as string)).status).toBe(200);
    await script.waitFor(/wrote a malformed watchdog report, ignored\n/);
    const malformed = script.stderr.match(/sent a malformed message/g) ?? [];
    expect(malformed).toHaveLength(1);
    expect(script.stderr).toMatch(
      /tsgi: worker \d+ sent a malformed message, ignored \(further ones silently\): \{"tsgi":"ready","host":42,"port":"x"\}\n/,
    );
    expect(script.stderr).not.toMatch(/app message/); // not ours: not a tsgi message at all
    expect(script.stderr).not.toMatch(/blocked its event loop/); // the report was not believed
    expect(script.child.exitCode).toBeNull();
  });

  it('refuses bad back-off options, naming them', async () => {
    const app = () => [];
    await expect(serve(app, { workers: 1, minUptime: -1 })).rejects.toThrow(
      /minUptime must be a number of at least 0/,
    );
    await expect(serve(app, { workers: 1, crashLimit: 0 })).rejects.toThrow(
      /crashLimit must be a number of at least 1/,
    );
    // a timer longer than 2^31-1 ms fires after 1 ms: the back-off would become a 1 ms respawn loop
    await expect(serve(app, { workers: 1, maxRespawnDelay: 2 ** 31 })).rejects.toThrow(
      /maxRespawnDelay must be .*at most 2147483647/,
    );
    await expect(serve(app, { workers: 1, minUptime: 3e9 })).rejects.toThrow(/minUptime must be .*at most/);
  });
});
