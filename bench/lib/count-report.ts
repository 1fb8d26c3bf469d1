/**
 * The arithmetic and tables of the instruction count (count.ts): instructions per request from
 * callgrind totals read between batches, their ratio to raw node:http, and issue 5's targets.
 */
import type { Group } from './cases.js';
import { type CaseRef, median, TARGETS } from './report.js';

/** What counting one case measured. */
export interface CountMeasurement {
  /** Instructions per request over all measured requests (the warm-up excluded). */
  perRequest: number;
  /** Instructions per request of each measured batch, in order: how steady the count was. */
  batches: number[];
  /** Requests sent before counting, and counted. */
  warmup: number;
  requests: number;
}

/** A case that could not be counted, and why. */
export interface CountFailure {
  reason: string;
  detail: string;
}

/** One group's counts, `rows[i]` for `group.cases[i]`. */
export interface CountGroupResult {
  group: Group;
  rows: Array<CountMeasurement | CountFailure>;
}

/**
 * Instructions per request from totals read after the warm-up (`totals[0]`) and after each of
 * the following batches of `batchSize` requests: the warm-up and startup cancel out.
 * @example perRequest([1000, 1600, 2200], 2) // { perRequest: 300, batches: [300, 300] }
 */
export function perRequest(totals: number[], batchSize: number): { perRequest: number; batches: number[] } {
  if (totals.length < 2) throw new RangeError('perRequest needs the total before and after a batch');
  if (!(batchSize > 0)) throw new RangeError(`batchSize must be positive, got ${batchSize}`);
  const batches = totals.slice(1).map((total, i) => (total - totals[i]!) / batchSize);
  return { perRequest: (totals.at(-1)! - totals[0]!) / (batchSize * batches.length), batches };
}

/**
 * One case counted in several fresh processes (`BENCH_COUNT_PROCESSES`) as one row: the mean of their
 * figures, and all their batches, so that the median batch is over every process (the same code
 * moves by ~±250 a request from one process to the next: results/2026-12-01-count.md). A failure
 * of any process is the row's.
 * @example mergeCounts([{ perRequest: 100, batches: [100], warmup: 5, requests: 1 }, { perRequest: 110, batches: [110], warmup: 5, requests: 1 }]) // perRequest 105, batches [100, 110], requests 2
 */
export function mergeCounts(
  rows: ReadonlyArray<CountMeasurement | CountFailure>,
): CountMeasurement | CountFailure {
  const failed = rows.find((row): row is CountFailure => !isMeasured(row));
  if (failed !== undefined) return failed;
  const measured = rows as readonly CountMeasurement[];
  if (measured.length === 0) throw new RangeError('mergeCounts needs at least one count');
  return {
    perRequest: measured.reduce((sum, row) => sum + row.perRequest, 0) / measured.length,
    batches: measured.flatMap((row) => row.batches),
    warmup: measured[0]!.warmup,
    requests: measured.reduce((sum, row) => sum + row.requests, 0),
  };
}

/**
 * The spread of the batches: (highest − lowest) ÷ the overall figure; 0.01 is 1%.
 * @example batchSpread({ perRequest: 100, batches: [99, 101] }) // 0.02
 */
export function batchSpread(m: Pick<CountMeasurement, 'perRequest' | 'batches'>): number {
  return (Math.max(...m.batches) - Math.min(...m.batches)) / m.perRequest;
}

const isMeasured = (row: CountMeasurement | CountFailure | undefined): row is CountMeasurement =>
  row !== undefined && 'perRequest' in row;

function find(result: CountGroupResult | undefined, [server, path]: CaseRef): CountMeasurement | undefined {
  if (!result) return undefined;
  const index = result.group.cases.findIndex(
    (entry, i) =>
      entry.server.name === server &&
      (path === undefined || entry.request.path === path) &&
      isMeasured(result.rows[i]),
  );
  return index < 0 ? undefined : (result.rows[index] as CountMeasurement);
}

/** Cost of b ÷ cost of a: like req/s(a) ÷ req/s(b), higher is better. NaN when either is missing. */
export function countRatio(results: CountGroupResult[], group: string, a: CaseRef, b: CaseRef): number {
  const result = results.find((r) => r.group.name === group);
  const x = find(result, a);
  const y = find(result, b);
  return x && y ? y.perRequest / x.perRequest : Number.NaN;
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** The markdown table of one group's counts; the first case is the baseline of the ratio. */
export function countTable(result: CountGroupResult): string {
  const lines = [
    `### ${result.group.title}`,
    '',
    '| server | instructions/request | × node:http | batch spread | median batch |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  const base = result.rows[0];
  result.group.cases.forEach((entry, index) => {
    const label = entry.label ?? entry.server.label;
    const row = result.rows[index];
    if (!isMeasured(row)) {
      lines.push(`| ${label} | – | – | ${row?.reason ?? 'not counted'} | – |`);
      if (row) notes.push(`- ${label}: ${row.detail.replace(/\s+/g, ' ').slice(0, 300)}`);
      return;
    }
    const ratio = isMeasured(base) ? base.perRequest / row.perRequest : Number.NaN;
    lines.push(
      `| ${label} | ${fixed(row.perRequest, 0)} | ${fixed(ratio, 3)} | ${fixed(100 * batchSpread(row), 2)}% | ` +
        `${fixed(median(row.batches), 0)} |`,
    );
  });
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

/** Issue 5's targets measured by instructions per request. */
export function countTargetTable(results: CountGroupResult[]): string {
  const lines = ['| target | goal | by instructions | met |', '| --- | ---: | ---: | :---: |'];
  for (const target of TARGETS) {
    const value = countRatio(results, target.group, target.a, target.b);
    const verdict = Number.isFinite(value) ? (target.met(value) ? 'yes' : '**no**') : 'not counted';
    lines.push(`| ${target.name} | ${target.goal} | ${fixed(value, 3)} | ${verdict} |`);
  }
  return lines.join('\n');
}
