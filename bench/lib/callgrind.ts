/**
 * Counting the instructions a server process executes, with valgrind's callgrind: start it under
 * the tool, then read its running totals with `callgrind_control -e` as often as needed. Reading
 * totals writes no profile and resets nothing, so one process can be read before and after any
 * number of requests: the difference is exactly the instructions those requests cost.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer, ServerSpec } from './servers.js';
import { startServer, stopServer } from './servers.js';

/**
 * V8 flags that make the count repeat. `--predictable` runs V8 on one thread (no concurrent
 * compiler or GC racing the requests) with fixed seeds; `--predictable-gc-schedule` fixes heap
 * growing and turns off the memory reducer, whose timers would otherwise make GC work depend on
 * wall time (under valgrind, 50× stretched). The JIT stays on: we count the optimized code.
 */
export const COUNT_NODE_FLAGS = ['--predictable', '--predictable-gc-schedule'];

/** A server running under callgrind, with the directory its (unused) profile would go to. */
export interface CountedServer extends RunningServer {
  outDir: string;
}

/** Starts `spec` under `valgrind --tool=callgrind`, counting instructions (Ir) only. */
export async function startCounted(spec: ServerSpec): Promise<CountedServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'tsgi-count-'));
  const wrapper = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(outDir, 'callgrind.out')}`];
  try {
    const server = await startServer(spec, undefined, COUNT_NODE_FLAGS, { wrapper, timeoutMs: 600_000 });
    return { ...server, outDir };
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Sums the per-thread totals of `callgrind_control -e` output (`Th 1  554,341,704`).
 * @example sumThreadTotals('Totals: Ir\n Th 1  1,000\n Th 2  24\n') // 1024
 */
export function sumThreadTotals(output: string): number {
  let sum = 0;
  let threads = 0;
  for (const match of output.matchAll(/^\s*Th\s+\d+\s+([\d,]+)\s*$/gm)) {
    sum += Number(match[1]!.replaceAll(',', ''));
    threads++;
  }
  if (threads === 0) throw new Error(`callgrind_control printed no thread totals:\n${output.slice(0, 500)}`);
  return sum;
}

/** Instructions the process has executed so far, all threads (callgrind's Ir). */
export function instructions(server: RunningServer): Promise<number> {
  const pid = String(server.process.pid);
  return new Promise((resolve, reject) => {
    execFile('callgrind_control', ['-e', pid], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`callgrind_control -e ${pid} failed: ${error.message}\n${stderr}`));
      else {
        try {
          resolve(sumThreadTotals(stdout));
        } catch (parse) {
          reject(parse);
        }
      }
    });
  });
}

/** Stops a counted server without letting callgrind write its final profile, and removes its directory. */
export async function stopCounted(server: CountedServer): Promise<void> {
  await stopServer(server, 'SIGKILL');
  rmSync(server.outDir, { recursive: true, force: true });
}
