/** The knobs of a benchmark run, read from environment variables so a quick run needs no flags. */
import { availableParallelism } from 'node:os';

/** Everything `run.ts` needs to know about how to load the servers. */
export interface BenchConfig {
  /** Interleaved rounds per route (`BENCH_ROUNDS`, default 5). */
  rounds: number;
  /** Whole seconds of load per server per round (`BENCH_SECONDS`, default 3). */
  seconds: number;
  /** Whole seconds of unmeasured load per server before the first round (`BENCH_WARMUP`, default 1). */
  warmup: number;
  /** Open connections of the load generator (`BENCH_CONNECTIONS`, default 32). */
  connections: number;
  /** Only the groups and servers named here (`BENCH_ONLY=hello,user` or `=tsgi,fastify`); empty: all. */
  only: string[];
  /** `wrk` or `autocannon` (`BENCH_TOOL`; default wrk when installed). */
  tool?: 'wrk' | 'autocannon';
  /** Run `npm run build` first (`BENCH_BUILD=0` skips it). */
  build: boolean;
  /** Run the in-process micro-benchmarks too (`BENCH_MICRO=0` skips them). */
  micro: boolean;
  /** Write bench/results/<date>.md (`BENCH_SAVE`; default: yes unless BENCH_ONLY narrows the run). */
  save: boolean;
  /** CPU the servers run on and CPU the load generator runs on, when the machine has two or more. */
  serverCpu?: number;
  loadCpu?: number;
}

// Whole numbers only: wrk and autocannon take durations in whole seconds.
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

/** Reads the run's configuration from `process.env`, throwing on a malformed value. */
export function readConfig(): BenchConfig {
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean);
  const tool = process.env.BENCH_TOOL;
  if (tool !== undefined && tool !== '' && tool !== 'wrk' && tool !== 'autocannon') {
    throw new Error(`BENCH_TOOL must be 'wrk' or 'autocannon', got '${tool}'`);
  }
  const pinned = availableParallelism() >= 2 && flag('BENCH_PIN', true);
  return {
    rounds: positive('BENCH_ROUNDS', 5),
    seconds: positive('BENCH_SECONDS', 3),
    warmup: positive('BENCH_WARMUP', 1),
    connections: positive('BENCH_CONNECTIONS', 32),
    only,
    tool: tool === 'wrk' || tool === 'autocannon' ? tool : undefined,
    build: flag('BENCH_BUILD', true),
    micro: flag('BENCH_MICRO', true),
    save: flag('BENCH_SAVE', only.length === 0),
    serverCpu: pinned ? 0 : undefined,
    loadCpu: pinned ? 1 : undefined,
  };
}

/** The knobs of the instruction count (`npm run bench:count`), see README.md. */
export interface CountConfig {
  /** Requests before counting starts (`BENCH_COUNT_WARMUP`, default 10,000: until the JIT settles). */
  warmup: number;
  /** Counted requests per case (`BENCH_COUNT_REQUESTS`, default 5,000), sent in `batches` batches. */
  requests: number;
  /** Batches the counted requests are read in (`BENCH_COUNT_BATCHES`, default 5): their spread shows steadiness. */
  batches: number;
  /** Servers counted at once (`BENCH_COUNT_JOBS`, default 2; counts do not depend on it, only the wall time). */
  jobs: number;
  /** Fresh processes each case is counted in (`BENCH_COUNT_PROCESSES`, default 1), merged into one row. */
  processes: number;
  only: string[];
  build: boolean;
  /** Write bench/results/<date>-count.md (`BENCH_SAVE`; default: yes unless BENCH_ONLY narrows the run). */
  save: boolean;
}

/** Reads the count's configuration from `process.env`, throwing on a malformed value. */
export function readCountConfig(): CountConfig {
  const base = readConfig();
  const requests = positive('BENCH_COUNT_REQUESTS', 5000);
  const batches = positive('BENCH_COUNT_BATCHES', 5);
  if (requests % batches !== 0) {
    throw new Error(
      `BENCH_COUNT_REQUESTS (${requests}) must be a multiple of BENCH_COUNT_BATCHES (${batches})`,
    );
  }
  return {
    warmup: positive('BENCH_COUNT_WARMUP', 10_000),
    requests,
    batches,
    jobs: positive('BENCH_COUNT_JOBS', 2),
    processes: positive('BENCH_COUNT_PROCESSES', 1),
    only: base.only,
    build: base.build,
    save: base.save,
  };
}
