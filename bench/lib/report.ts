/** Turning the measured rounds into markdown: one table per group, then the targets of issue 5. */
import type { Group } from './cases.js';
import type { LoadResult } from './load.js';

/** What a group's rounds measured: `rounds[caseIndex][round]` (undefined when that load failed). */
export interface GroupResult {
  group: Group;
  rounds: Array<Array<LoadResult | undefined>>;
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

/** Per-round ratios rps(a) / rps(b), over the rounds where both loads succeeded. */
export function pairedRatios(result: GroupResult, a: number, b: number): number[] {
  const ratios: number[] = [];
  result.rounds[a]?.forEach((load, round) => {
    const base = result.rounds[b]?.[round];
    if (load && base && base.rps > 0) ratios.push(load.rps / base.rps);
  });
  return ratios;
}

const number = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** The markdown table of one group. */
export function groupTable(result: GroupResult): string {
  const lines = [
    `### ${result.group.title}`,
    '',
    '| server | req/s | × node:http | ratio range | p99 ms | peak RSS MiB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  result.group.cases.forEach((entry, index) => {
    const label = entry.label ?? entry.server.label;
    const failure = result.failures[index];
    if (failure) {
      lines.push(`| ${label} | – | – | – | – | – | ${failure.reason} |`);
      notes.push(`- ${label}: ${failure.detail.replace(/\s+/g, ' ').slice(0, 300)}`);
      return;
    }
    const loads = result.rounds[index]!.filter((load): load is LoadResult => load !== undefined);
    const ratios = pairedRatios(result, index, 0);
    const errors = loads.reduce((sum, load) => sum + load.errors + load.non2xx, 0);
    const range = ratios.length ? `${number(Math.min(...ratios), 2)}–${number(Math.max(...ratios), 2)}` : '–';
    lines.push(
      `| ${label} | ${number(median(loads.map((load) => load.rps)))} | ${number(median(ratios), 2)} | ${range} | ` +
        `${number(median(loads.map((load) => load.p99Ms)), 2)} | ${number(result.peakRss[index] ?? Number.NaN, 1)} | ${errors} |`,
    );
  });
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

interface Target {
  name: string;
  goal: string;
  value: number;
  pass: boolean;
}

function caseIndex(result: GroupResult | undefined, server: string, path?: string): number {
  if (!result) return -1;
  return result.group.cases.findIndex(
    (entry, index) =>
      entry.server.name === server &&
      (path === undefined || entry.request.path === path) &&
      !result.failures[index],
  );
}

/** Median paired ratio of two cases of a group (by server name and path), NaN when either is missing. */
function ratio(results: GroupResult[], group: string, a: [string, string?], b: [string, string?]): number {
  const result = results.find((r) => r.group.name === group);
  const ia = caseIndex(result, ...a);
  const ib = caseIndex(result, ...b);
  return ia < 0 || ib < 0 ? Number.NaN : median(pairedRatios(result!, ia, ib));
}

function bestPeer(results: GroupResult[], group: string, peers: string[]): [string, number] {
  let best: [string, number] = ['', Number.NaN];
  for (const peer of peers) {
    const value = ratio(results, group, [peer], ['node']);
    if (!(value <= best[1])) best = [peer, value];
  }
  return best;
}

/** The targets of issue 5, each with the measured value and whether it is met. */
export function targets(results: GroupResult[]): Target[] {
  const list: Target[] = [];
  const add = (name: string, goal: string, value: number, pass: boolean) =>
    list.push({ name, goal, value, pass: Number.isFinite(value) && pass });
  const peers = ['fastify', 'hono', 'koa', 'express'];

  const hello = ratio(results, 'hello', ['tsgi'], ['node']);
  add('hello: tsgi / node:http', '≥ 0.95', hello, hello >= 0.95);
  const [peer, peerRatio] = bestPeer(results, 'hello', peers);
  add(
    `hello: ahead of every peer (best: ${peer || '–'})`,
    `> ${number(peerRatio, 2)}`,
    hello,
    hello > peerRatio,
  );

  const user = ratio(results, 'user', ['tsgi'], ['node']);
  add('/user/:id: tsgi / node:http', '≥ 0.90', user, user >= 0.9);
  const fastify = ratio(results, 'user', ['fastify'], ['node']);
  add('/user/:id: ahead of Fastify', `> ${number(fastify, 2)}`, user, user > fastify);

  const mw = ratio(results, 'mw', ['tsgi', '/mw'], ['tsgi', '/']);
  add('/mw: tsgi /mw / tsgi hello (paired)', '≥ 0.95', mw, mw >= 0.95);

  const scale = ratio(results, 'user', ['tsgi'], ['tsgi-1000']);
  add('1,000 routes: per-request cost vs 10 routes (end to end)', '≤ 2.00', scale, scale <= 2);

  const echo = ratio(results, 'echo', ['tsgi'], ['node']);
  add('POST /echo: tsgi / node:http', '≥ 0.90', echo, echo >= 0.9);
  return list;
}

/** The targets as a markdown table. */
export function targetTable(results: GroupResult[]): string {
  const lines = ['| target | goal | measured | met |', '| --- | ---: | ---: | :---: |'];
  for (const target of targets(results)) {
    const met = Number.isFinite(target.value) ? (target.pass ? 'yes' : '**no**') : 'not measured';
    lines.push(`| ${target.name} | ${target.goal} | ${number(target.value, 2)} | ${met} |`);
  }
  return lines.join('\n');
}
