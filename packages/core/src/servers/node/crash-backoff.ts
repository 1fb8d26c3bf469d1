// How the cluster's primary answers workers that keep dying: wait longer each time, and give up
// only when they cannot even start. See docs/server.md, "Crashes".
import type { ClusterOptions } from './cluster-options.js';

/** What the primary does after a worker's exit, and the words its log line needs. */
export interface AfterExit {
  /** Give up (exit 1): workers keep failing before they serve anything. */
  readonly giveUp: boolean;
  /** How long to wait before forking another (ms). */
  readonly delay: number;
  /** `' before it listened'`, or when after it a start-up failure came; else empty. */
  readonly when: string;
  /** The streak of quick exits of workers that served; else empty. */
  readonly streak: string;
  /** For the give-up message: `'before listening'` or `'before serving a request'`. */
  readonly what: string;
  /** Start-up failures in a row. */
  readonly startupFailures: number;
}

/**
 * The crash streak: quick exits (before listening, or within `minUptime` of it) double the
 * respawn delay up to `maxRespawnDelay`; `crashLimit` start-up failures in a row (exits before a
 * worker served a request) with none serving make the primary give up. A crash after serving
 * only backs off, never gives up: a request may be what crashes it, and any client could send it.
 */
export class CrashBackoff {
  /** Quick exits in a row: the back-off's exponent. */
  #failures = 0;
  /** Of those, the ones before the worker served a request: what makes the primary give up. */
  #startupFailures = 0;
  /** One of those start-up failures came after the worker listened (for the give-up message). */
  #failedAfterListening = false;

  constructor(private readonly options: ClusterOptions) {}

  /** The streak is on (a reset is worth a log line). */
  get failing(): boolean {
    return this.#failures > 0;
  }

  /** A worker stayed up `minUptime`: whatever crashed before is over. */
  reset(): void {
    this.#failures = 0;
    this.#startupFailures = 0;
    this.#failedAfterListening = false;
  }

  /**
   * Counts one exit. `upMs`: how long it had listened (0 if it never did); `anyServing`: another
   * worker is serving (a rolling restart onto broken code: no loop to break).
   */
  exited(
    exit: { quick: boolean; listened: boolean; served: boolean; upMs: number },
    anyServing: boolean,
  ): AfterExit {
    let when = '';
    let streak = '';
    if (exit.quick) {
      this.#failures++;
      if (!exit.listened || !exit.served) {
        this.#startupFailures++;
        this.#failedAfterListening ||= exit.listened;
        when = exit.listened
          ? ` ${exit.upMs} ms after it listened, before any request`
          : ' before it listened';
      } else {
        this.#startupFailures = 0;
        this.#failedAfterListening = false;
        const minUptime = this.options.minUptime ?? 5000;
        streak = ` (quick exit ${this.#failures} in a row: up ${exit.upMs} ms, under minUptime ${minUptime} ms)`;
      }
    }
    const base = this.options.respawnDelay ?? 100;
    const delay = exit.quick
      ? Math.min(this.options.maxRespawnDelay ?? 10_000, base * 2 ** (this.#failures - 1))
      : base;
    return {
      giveUp: this.#startupFailures >= (this.options.crashLimit ?? 5) && !anyServing,
      delay,
      when,
      streak,
      what: this.#failedAfterListening ? 'before serving a request' : 'before listening',
      startupFailures: this.#startupFailures,
    };
  }
}
