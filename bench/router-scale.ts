/**
 * Router scale: how dispatch time grows from a 10-route table to a 1,000-route table,
 * in-process (no sockets), for the tsgi router, find-my-way (Fastify's router) and a plain
 * linear scan of path-to-regexp `match` functions (what a naive router does).
 *
 * Run: node --conditions=tsgi-source --import tsx bench/router-scale.ts
 * `npm run bench` calls runRouterScale() and includes the markdown it returns.
 */
import { pathToFileURL } from 'node:url';
import { type Body, createEnviron, type Environ, emptyInput } from '@tsgi/core';
import { router } from '@tsgi/router';
import FindMyWay from 'find-my-way';
import { match } from 'path-to-regexp';
import { Bench } from 'tinybench';

const SIZES = [10, 1000] as const;
const SAMPLES = 12; // requests per iteration, spread over the whole table
const ROUNDS = 2;
const BODY: Body = ['ok'];

/** The same table for every router: a third static, a third one parameter, a third nested. */
function patterns(size: number): string[] {
  return Array.from({ length: size }, (_, i) =>
    i % 3 === 0 ? `/static${i}/list` : i % 3 === 1 ? `/res${i}/:id` : `/api/v1/res${i}/:id/items/:item`,
  );
}

/** A request path for a pattern. */
function pathFor(pattern: string): string {
  return pattern.replace(':id', '42').replace(':item', 'abc');
}

/** Paths hitting routes evenly from the first to the last one (the linear scan's worst case). */
function samplePaths(table: readonly string[]): string[] {
  return Array.from({ length: SAMPLES }, (_, k) =>
    pathFor(table[Math.round((k * (table.length - 1)) / (SAMPLES - 1))] as string),
  );
}

type Dispatch = () => void;

function tsgiDispatch(table: readonly string[]): Dispatch {
  const r = router();
  for (const pattern of table) r.get(pattern, () => BODY);
  const environs: Environ[] = samplePaths(table).map((target) =>
    createEnviron({
      method: 'GET',
      target,
      rawHeaders: ['Host', 'bench'],
      input: emptyInput,
      serverName: 'bench',
      serverPort: '80',
    }),
  );
  const startResponse = () => () => {};
  return () => {
    for (const environ of environs) r(environ, startResponse);
  };
}

function findMyWayDispatch(table: readonly string[]): Dispatch {
  const fmw = FindMyWay();
  for (const pattern of table) fmw.on('GET', pattern, () => BODY);
  fmw.compile();
  const paths = samplePaths(table);
  return () => {
    for (const path of paths) {
      const found = fmw.find('GET', path);
      if (found === null) throw new Error(`find-my-way: no route for ${path}`);
      (found.handler as (...args: unknown[]) => unknown)(null, null, found.params, found.store, {});
    }
  };
}

function linearDispatch(table: readonly string[]): Dispatch {
  const routes = table.map((pattern) => ({
    method: 'GET',
    match: match(pattern),
    handler: (_params: object) => BODY,
  }));
  const paths = samplePaths(table);
  return () => {
    for (const path of paths) {
      let found = false;
      for (const route of routes) {
        if (route.method !== 'GET') continue;
        const result = route.match(path);
        if (result === false) continue;
        route.handler(result.params);
        found = true;
        break;
      }
      if (!found) throw new Error(`linear scan: no route for ${path}`);
    }
  };
}

const CONTENDERS = [
  ['tsgi router', tsgiDispatch],
  ['find-my-way', findMyWayDispatch],
  ['linear path-to-regexp scan', linearDispatch],
] as const;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function formatNs(ns: number): string {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

/**
 * Measures dispatch for 10 and 1,000 routes with each router and returns a markdown table:
 * nanoseconds per dispatch and the 1,000 / 10 ratio (1.0× means size does not matter).
 * Takes about 6 seconds.
 */
export async function runRouterScale(): Promise<string> {
  // Two rounds, keeping each task's best median: a busy machine slows single runs, not both.
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 300, warmupTime: 100 });
    for (const [name, make] of CONTENDERS) {
      for (const size of SIZES) bench.add(`${name}|${size}`, make(patterns(size)));
    }
    await bench.warmup();
    await bench.run();
    for (const task of bench.tasks) {
      const samples = task.result?.samples;
      if (!samples?.length) throw new Error(`router-scale: ${task.name} did not run`);
      const ms = median(samples);
      best.set(task.name, Math.min(best.get(task.name) ?? ms, ms));
    }
  }
  const nsPerDispatch = (name: string, size: number): number =>
    ((best.get(`${name}|${size}`) ?? Number.NaN) * 1e6) / SAMPLES;
  const lines = ['| router | 10 routes | 1,000 routes | 1,000 / 10 |', '| --- | ---: | ---: | ---: |'];
  for (const [name] of CONTENDERS) {
    const small = nsPerDispatch(name, 10);
    const large = nsPerDispatch(name, 1000);
    lines.push(`| ${name} | ${formatNs(small)} | ${formatNs(large)} | ${(large / small).toFixed(2)}× |`);
  }
  const tsgi = nsPerDispatch('tsgi router', 1000);
  const fmw = nsPerDispatch('find-my-way', 1000);
  lines.push(
    '',
    `Time per dispatch, in-process (median, best of ${ROUNDS} rounds; ${SAMPLES} requests spread over the table: a third static routes, ` +
      `a third \`/resN/:id\`, a third \`/api/v1/resN/:id/items/:item\`). ` +
      `The tsgi router includes setting \`router.params\` on the environ. ` +
      `At 1,000 routes, tsgi takes ${(tsgi / fmw).toFixed(2)}× the time of find-my-way.`,
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runRouterScale());
}
