/** Counting one case: a fresh server under callgrind, warmed up, then read between batches of requests. */

import { instructions, startCounted, stopCounted } from './callgrind.js';
import type { Case } from './cases.js';
import { type CountFailure, type CountMeasurement, perRequest } from './count-report.js';
import { check, withSession } from './load.js';
import { sequentialClient } from './sequential.js';

/** How many requests to send, and in how many counted batches. */
export interface CountPlan {
  warmup: number;
  requests: number;
  batches: number;
}

const failure = (reason: string, error: unknown): CountFailure => ({
  reason,
  detail: error instanceof Error ? error.message : String(error),
});

/**
 * Counts `entry`'s instructions per request. Each case gets its own process, so a row never
 * depends on which other rows ran before it (or were filtered out with BENCH_ONLY).
 */
export async function countCase(entry: Case, plan: CountPlan): Promise<CountMeasurement | CountFailure> {
  const server = await startCounted(entry.server).catch((error: unknown) => failure('did not start', error));
  if ('reason' in server) return server;
  let request = entry.request;
  let client: ReturnType<typeof sequentialClient> | undefined;
  try {
    try {
      request = await withSession(server.port, entry.request);
      await check(server.port, request, entry.expected);
    } catch (error) {
      return failure('wrong answer', error);
    }
    client = sequentialClient(server.port, request, entry.expected);
    const batchSize = plan.requests / plan.batches;
    await client.send(plan.warmup);
    const totals = [await instructions(server)];
    for (let batch = 0; batch < plan.batches; batch++) {
      await client.send(batchSize);
      totals.push(await instructions(server));
    }
    return { ...perRequest(totals, batchSize), warmup: plan.warmup, requests: plan.requests };
  } catch (error) {
    return failure('count failed', error);
  } finally {
    client?.close();
    await stopCounted(server);
  }
}
