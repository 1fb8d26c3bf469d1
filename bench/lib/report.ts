/** Turning the measured rounds into markdown: one table per group, then the targets of issue 5. */
import type { Group } from './cases.js';
import type { LoadResult } from './load.js';

/** One load of one case: what the load generator saw, and the server's CPU time per request. */
export interface Measurement extends LoadResult {
  /** Server CPU (user + system, all threads) per request, in µs; undefined without /proc. */
  cpuUs: number | undefined;
}

/** What a group's rounds measured: `rounds[caseIndex][round]` (undefined when that load failed). */
export interface GroupResult {
  group: Group;
  rounds: Array<Array<Measurement | undefined>>;
  /** Peak RSS of each case's server, in MiB. */
  peakRss: Array<number | undefined>;
  /** Why a case has no numbers. */
  failures: Array<Failure | undefined>;
}

/** Why a case was not measured: a short reason for the table, the details below it. */
export interface Failure {
  reason: 'did not start' | 'wrong answer' | 'load failed';
  detail: string;
}

/** The median of some numbers; NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** How fast a load was by some measure, higher is better: req/s, or requests per CPU second. */
type Speed = (m: Measurement) => number | undefined;
const throughput: Speed = (m) => m.rps;
const cpuEfficiency: Speed = (m) => (m.cpuUs ? 1 / m.cpuUs : undefined);

/** Per-round ratios speed(a) / speed(b), over the rounds where both were measured. */
export function pairedRatios(result: GroupResult, a: number, b: number, speed: Speed = throughput): number[] {
  const ratios: number[] = [];
  result.rounds[a]?.forEach((load, round) => {
    const base = result.rounds[b]?.[round];
    const x = load && speed(load);
    const y = base && speed(base);
    if (x && y) ratios.push(x / y);
  });
  return ratios;
}

const number = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

const range = (values: number[]) =>
  values.length ? `${number(Math.min(...values), 2)}–${number(Math.max(...values), 2)}` : '–';

/** The markdown table of one group. */
export function groupTable(result: GroupResult): string {
  const lines = [
    `### ${result.group.title}`,
    '',
    '| server | req/s | × node:http | range | CPU µs/req | × node:http by CPU | p99 ms | peak RSS MiB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  result.group.cases.forEach((entry, index) => {
    const label = entry.label ?? entry.server.label;
    const failure = result.failures[index];
    if (failure) {
      lines.push(`| ${label} | – | – | – | – | – | – | – | ${failure.reason} |`);
      notes.push(`- ${label}: ${failure.detail.replace(/\s+/g, ' ').slice(0, 300)}`);
      return;
    }
    const loads = result.rounds[index]!.filter((load): load is Measurement => load !== undefined);
    const ratios = pairedRatios(result, index, 0);
    const cpuRatios = pairedRatios(result, index, 0, cpuEfficiency);
    const cpu = loads.flatMap((load) => (load.cpuUs === undefined ? [] : [load.cpuUs]));
    const errors = loads.reduce((sum, load) => sum + load.errors + load.non2xx, 0);
    const rss = result.peakRss[index] ?? Number.NaN;
    lines.push(
      `| ${label} | ${number(median(loads.map((load) => load.rps)))} | ${number(median(ratios), 2)} | ` +
        `${range(ratios)} | ${number(median(cpu), 1)} | ${number(median(cpuRatios), 2)} | ` +
        `${number(median(loads.map((load) => load.p99Ms)), 2)} | ${number(rss, 1)} | ${errors} |`,
    );
  });
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

interface Target {
  name: string;
  goal: string;
  /** Is a measured ratio good enough? */
  met: (value: number) => boolean;
  /** The ratio by req/s and by CPU time per request. */
  byRps: number;
  byCpu: number;
}

/** A case of a group: its server's name, and its path when the server has several cases there. */
export type CaseRef = [server: string, path?: string];

function caseIndex(result: GroupResult | undefined, [server, path]: CaseRef): number {
  if (!result) return -1;
  return result.group.cases.findIndex(
    (entry, index) =>
      entry.server.name === server &&
      (path === undefined || entry.request.path === path) &&
      !result.failures[index],
  );
}

/** Median paired ratio speed(a) / speed(b) within a group; NaN when either is missing. */
function ratio(results: GroupResult[], group: string, a: CaseRef, b: CaseRef, speed: Speed): number {
  const result = results.find((r) => r.group.name === group);
  const ia = caseIndex(result, a);
  const ib = caseIndex(result, b);
  return ia < 0 || ib < 0 ? Number.NaN : median(pairedRatios(result!, ia, ib, speed));
}

/** A target of issue 5: the ratio of case `a` to case `b` in `group`, and the goal it must meet. */
export interface TargetSpec {
  name: string;
  goal: string;
  met: (value: number) => boolean;
  group: string;
  a: CaseRef;
  b: CaseRef;
}

const atLeast = (goal: number) => (value: number) => value >= goal;
const above = (goal: number) => (value: number) => value > goal;

/**
 * The targets of issue 5, as ratios where higher is better (speed of a ÷ speed of b): shared by
 * the req/s tables here and the instruction counts (count.ts).
 */
export const TARGETS: TargetSpec[] = [
  {
    name: 'hello: tsgi ÷ node:http',
    goal: '≥ 0.95',
    met: atLeast(0.95),
    group: 'hello',
    a: ['tsgi'],
    b: ['node'],
  },
  ...['fastify', 'hono', 'koa', 'express'].map(
    (peer): TargetSpec => ({
      name: `hello: tsgi ÷ ${peer}`,
      goal: '> 1',
      met: above(1),
      group: 'hello',
      a: ['tsgi'],
      b: [peer],
    }),
  ),
  {
    name: '/user/:id: tsgi ÷ node:http',
    goal: '≥ 0.90',
    met: atLeast(0.9),
    group: 'user',
    a: ['tsgi'],
    b: ['node'],
  },
  {
    name: '/user/:id: tsgi ÷ fastify',
    goal: '> 1',
    met: above(1),
    group: 'user',
    a: ['tsgi'],
    b: ['fastify'],
  },
  {
    name: '/mw: tsgi /mw ÷ tsgi hello',
    goal: '≥ 0.95',
    met: atLeast(0.95),
    group: 'mw',
    a: ['tsgi', '/mw'],
    b: ['tsgi', '/'],
  },
  // cost(1,000) ÷ cost(10) = speed(10) ÷ speed(1,000)
  {
    name: '1,000 routes: cost per request ÷ 10 routes',
    goal: '≤ 2.00',
    met: (value) => value <= 2,
    group: 'user',
    a: ['tsgi'],
    b: ['tsgi-1000'],
  },
  {
    name: 'POST /echo: tsgi ÷ node:http',
    goal: '≥ 0.90',
    met: atLeast(0.9),
    group: 'echo',
    a: ['tsgi'],
    b: ['node'],
  },
];

/** The targets of issue 5, each measured by req/s and by CPU time. */
export function targets(results: GroupResult[]): Target[] {
  return TARGETS.map((spec) => ({
    name: spec.name,
    goal: spec.goal,
    met: spec.met,
    byRps: ratio(results, spec.group, spec.a, spec.b, throughput),
    byCpu: ratio(results, spec.group, spec.a, spec.b, cpuEfficiency),
  }));
}

/** The targets as a markdown table. */
export function targetTable(results: GroupResult[]): string {
  const verdict = (target: Target, value: number) =>
    Number.isFinite(value) ? (target.met(value) ? 'yes' : '**no**') : 'not measured';
  const lines = [
    '| target | goal | by req/s | met | by CPU µs/req | met |',
    '| --- | ---: | ---: | :---: | ---: | :---: |',
  ];
  for (const target of targets(results)) {
    lines.push(
      `| ${target.name} | ${target.goal} | ${number(target.byRps, 2)} | ${verdict(target, target.byRps)} | ` +
        `${number(target.byCpu, 2)} | ${verdict(target, target.byCpu)} |`,
    );
  }
  return lines.join('\n');
}
