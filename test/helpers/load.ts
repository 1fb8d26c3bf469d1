// Clients for the multi-process tests: who answered (the worker's pid), and a steady load that
// counts every failed request (each on a new connection, never retried).
import { request } from 'node:http';
import { expect } from 'vitest';
import { httpRequest } from './http.js';

export async function pidOf(url: string): Promise<number> {
  const response = await httpRequest(url);
  expect(response.status).toBe(200);
  return (JSON.parse(response.text) as { pid: number }).pid;
}

/**
 * Requests until `count` distinct workers answered, for up to 20 s: a new worker takes a moment
 * to listen (node + tsx load the app: seconds on a loaded machine).
 */
export async function distinctPids(url: string, count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  const until = Date.now() + 20_000;
  while (pids.size < count && Date.now() < until) {
    pids.add(await pidOf(url));
    if (pids.size < count) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pids;
}

/**
 * GET on a new connection, given up after 8 s (a ceiling for a loaded machine). With
 * round-robin scheduling the primary holds a connection until the worker it handed it to
 * accepts it: one handed to a worker that dies at that moment is never answered nor closed
 * (node:cluster's, not ours), so a client needs a timeout.
 */
export function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 8000 }, (res) => {
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
export function steadyLoad(url: string, concurrency = 2) {
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
