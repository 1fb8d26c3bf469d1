// The cluster's primary: forks the workers, supervises them, restarts them. See docs/server.md.
// Over 400 lines on purpose: what is left is one state machine over the worker slots (fork,
// ready, exit, rolling reload, recycling, heartbeats, signals), each step reading and changing
// the others' state; the parts that stand alone live beside it (cluster-options.ts, protocol.ts,
// crash-backoff.ts).
import cluster, { type Worker } from 'node:cluster';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type ClusterOptions, checkClusterOptions, type PrimaryHandle } from './cluster-options.js';
import { CrashBackoff } from './crash-backoff.js';
import { blockedReport, safeJson, WORKER_ENV, type WorkerSettings, workerMessage } from './protocol.js';

type State = 'starting' | 'ready' | 'stopping';

interface Slot {
  readonly worker: Worker;
  state: State;
  readonly forkedAt: number;
  /** When it listened. */
  readyAt?: number;
  /** It got a request: an exit from now on is not a start-up failure. */
  served?: boolean;
  /** Fires once it has been up `minUptime`: the crash streak is over. */
  stableTimer?: NodeJS.Timeout;
  /** A malformed message was logged already (once per worker). */
  warned?: boolean;
  lastBeat: number;
  fatal?: string;
  killed?: string;
  readonly exited: Promise<void>;
  onReady?: (ok: boolean) => void;
}

const REPORT_FD = 4;
const stderrLog = (line: string) => {
  process.stderr.write(`${line}\n`);
};

/**
 * Starts the primary: forks `options.workers` workers, each re-running this process's script
 * with its arguments (node:cluster's model), and supervises them; resolves once they all
 * listen, or rejects when they keep failing to start.
 */
export function startCluster(options: ClusterOptions, scheme: 'http' | 'https'): Promise<PrimaryHandle> {
  return new Supervisor(options, scheme).start();
}

class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private wanted: number;
  private readonly crashes: CrashBackoff;
  private closing: Promise<void> | undefined;
  private rolling: Promise<void> | undefined;
  private rollingAgain: Promise<void> | undefined;
  private readonly recycleQueue: Slot[] = [];
  private recycling = false;
  private respawnTimer: NodeJS.Timeout | undefined;
  private readonly checker: NodeJS.Timeout | undefined;
  private address: { host: string; port: number } | undefined;
  private everReady = false;
  private exitCode = 0;
  private serving!: { resolve: () => void; reject: (error: Error) => void };
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => {
    this.finished = resolve;
  });
  private readonly log: (line: string) => void;
  private readonly timeout: number;
  private readonly heartbeat: number;
  private readonly minUptime: number;
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = [];

  constructor(
    private readonly options: ClusterOptions,
    private readonly scheme: 'http' | 'https',
  ) {
    checkClusterOptions(options);
    this.wanted = options.workers;
    this.log = options.log ?? stderrLog;
    this.timeout = options.timeout ?? 0;
    this.minUptime = options.minUptime ?? 5000;
    this.crashes = new CrashBackoff(options);
    this.heartbeat =
      options.heartbeat ?? (this.timeout > 0 ? Math.min(1000, Math.max(10, this.timeout / 4)) : 1000);
    if (options.scheduling !== undefined) {
      cluster.schedulingPolicy = options.scheduling === 'os' ? cluster.SCHED_NONE : cluster.SCHED_RR;
    }
    cluster.setupPrimary({
      // fd 4: where a worker's watchdog writes what it saw when its event loop blocked
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', 'pipe'],
    });
    this.checker = setInterval(() => this.checkBeats(), this.heartbeat);
    this.checker.unref();
  }

  start(): Promise<PrimaryHandle> {
    const serving = new Promise<void>((resolve, reject) => {
      this.serving = { resolve, reject };
    });
    if (this.options.signals !== false) this.handleSignals();
    this.fill();
    return serving.then(() => this.handle());
  }

  private handle(): PrimaryHandle {
    const address = this.address as { host: string; port: number };
    const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
    const slots = this.slots;
    return {
      host: address.host,
      port: address.port,
      url: `${this.scheme}://${shown}:${address.port}`,
      get pids() {
        return [...slots.values()]
          .filter((s) => s.state === 'ready')
          .map((s) => s.worker.process.pid as number);
      },
      reload: () => this.reload(),
      close: () => this.close(),
      done: this.done,
    };
  }

  private active(): Slot[] {
    return [...this.slots.values()].filter((slot) => slot.state !== 'stopping');
  }

  private anyReady(): boolean {
    return [...this.slots.values()].some((slot) => slot.state === 'ready');
  }

  private fill(): void {
    if (this.closing !== undefined) return;
    for (let n = this.active().length; n < this.wanted; n++) this.fork();
  }

  private fork(): Slot {
    const settings: WorkerSettings = {
      maxRequests: this.maxRequests(),
      heartbeat: this.heartbeat,
      timeout: this.timeout,
      reportFd: REPORT_FD,
    };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(settings) });
    let exited!: () => void;
    const slot: Slot = {
      worker,
      state: 'starting',
      forkedAt: Date.now(),
      lastBeat: Date.now(),
      exited: new Promise((resolve) => {
        exited = resolve;
      }),
    };
    this.slots.set(worker.id, slot);
    worker.on('message', (raw: unknown) => this.onMessage(slot, raw));
    worker.on('exit', (code, signal) => {
      const judge = () => {
        this.onExit(slot, code, signal);
        exited();
      };
      // the channel's end comes after every message the worker sent (its `ready`, `serving`):
      // judge the exit once they are all read, or a worker that listened may look as if it never did
      if (worker.isConnected()) worker.once('disconnect', judge);
      else judge();
    });
    const report = worker.process.stdio?.[REPORT_FD] as Readable | null | undefined;
    if (report) {
      createInterface({ input: report }).on('line', (line) => this.onReport(slot, line));
      report.on('error', () => {});
    }
    return slot;
  }

  private maxRequests(): number {
    const max = this.options.maxRequests ?? 0;
    if (max <= 0) return 0;
    const jitter = this.options.maxRequestsJitter ?? Math.floor(max / 10);
    return max + Math.floor(Math.random() * (jitter + 1));
  }

  private onMessage(slot: Slot, raw: unknown): void {
    const message = workerMessage(raw);
    if (message === undefined) return;
    if (message === 'malformed') {
      if (!slot.warned) {
        slot.warned = true;
        this.log(
          `tsgi: worker ${slot.worker.process.pid} sent a malformed message, ignored (further ones silently): ${safeJson(raw)}`,
        );
      }
      return;
    }
    slot.lastBeat = Date.now();
    if (message.tsgi === 'serving') {
      slot.served = true;
    } else if (message.tsgi === 'ready') {
      if (slot.state !== 'starting') return;
      slot.state = 'ready';
      slot.readyAt = Date.now();
      if (this.minUptime > 0) {
        slot.stableTimer = setTimeout(() => this.stable(slot), this.minUptime);
        slot.stableTimer.unref();
      } else this.stable(slot);
      this.address ??= { host: message.host, port: message.port };
      slot.onReady?.(true);
      if (!this.everReady && this.active().filter((s) => s.state === 'ready').length >= this.wanted) {
        this.everReady = true;
        this.serving.resolve();
      }
    } else if (message.tsgi === 'closed') {
      // see leave() in worker.ts: every connection handed over before this was answered
      if (slot.worker.isConnected()) slot.worker.send({ tsgi: 'exit' });
    } else if (message.tsgi === 'fatal') {
      slot.fatal = message.message;
    } else if (message.tsgi === 'recycle') {
      if (slot.state === 'ready' && !this.recycleQueue.includes(slot)) {
        this.recycleQueue.push(slot);
        void this.recycleNext();
      }
    }
  }

  /** A worker has been up `minUptime` since it listened: whatever crashed before is over. */
  private stable(slot: Slot): void {
    slot.stableTimer = undefined;
    if (this.crashes.failing && this.closing === undefined) {
      this.log(
        `tsgi: worker ${slot.worker.process.pid} has been up ${this.minUptime} ms: the crash back-off is reset`,
      );
    }
    this.crashes.reset();
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    this.slots.delete(slot.worker.id);
    clearTimeout(slot.stableTimer);
    const pid = slot.worker.process.pid;
    const listened = slot.readyAt !== undefined;
    const upMs = listened ? Date.now() - (slot.readyAt as number) : 0;
    slot.onReady?.(false);
    if (this.closing !== undefined || slot.state === 'stopping') return;
    const how = slot.killed ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`);
    const why = slot.fatal ? `: ${slot.fatal}` : '';
    // quick: before listening, or within minUptime of it (a timer, a lost database, a bad route)
    const quick = !listened || slot.stableTimer !== undefined;
    const after = this.crashes.exited(
      { quick, listened, served: slot.served === true, upMs },
      this.anyReady(),
    );
    const { when, streak, delay } = after;
    if (after.giveUp) {
      this.log(`tsgi: worker ${pid} ${how}${when}${why}`);
      this.giveUp(`workers exited ${after.what} ${after.startupFailures} times in a row${why}; giving up`);
      return;
    }
    this.log(`tsgi: worker ${pid} ${how}${when}${why}; starting another in ${delay} ms${streak}`);
    if (this.respawnTimer === undefined) {
      this.respawnTimer = setTimeout(() => {
        this.respawnTimer = undefined;
        this.fill();
      }, delay);
    }
  }

  /** Resolves true once the worker listens, false if it exits first. */
  private ready(slot: Slot): Promise<boolean> {
    if (slot.state === 'ready') return Promise.resolve(true);
    if (!this.slots.has(slot.worker.id)) return Promise.resolve(false);
    return new Promise((resolve) => {
      slot.onReady = resolve;
    });
  }

  private stop(slot: Slot): Promise<void> {
    if (slot.state !== 'stopping') {
      // a worker still loading the app listens for 'stop' only once it serves: it would ignore
      // it, start serving, and be killed at the deadline. Not serving yet, it can just go.
      const starting = slot.state === 'starting';
      slot.state = 'stopping';
      if (slot.worker.isConnected() && !starting) slot.worker.send({ tsgi: 'stop' });
      else slot.worker.process.kill('SIGTERM');
      const timer = setTimeout(
        () => slot.worker.process.kill('SIGKILL'),
        this.options.shutdownTimeout ?? 30_000,
      );
      timer.unref();
      void slot.exited.then(() => clearTimeout(timer));
    }
    return slot.exited;
  }

  /** Starts a new worker, waits for it to listen, then stops `old`: capacity never dips. */
  private async replace(old: Slot): Promise<boolean> {
    if (!this.slots.has(old.worker.id) || old.state === 'stopping' || this.closing !== undefined) return true;
    const fresh = this.fork();
    if (!(await this.ready(fresh))) return false;
    await this.stop(old);
    return true;
  }

  private reload(): Promise<void> {
    if (this.rolling !== undefined) {
      // workers forked earlier in this pass loaded the code as it was then: one more pass, after
      // it, for every SIGHUP (or change) that comes meanwhile
      this.rollingAgain ??= this.rolling.then(() => {
        this.rollingAgain = undefined;
        return this.reload();
      });
      return this.rollingAgain;
    }
    this.rolling = (async () => {
      this.log(`tsgi: rolling restart of ${this.active().length} workers`);
      for (const old of this.active()) {
        if (!(await this.replace(old))) {
          this.log('tsgi: rolling restart stopped: a new worker failed to start; the old ones keep serving');
          return;
        }
      }
      this.log('tsgi: rolling restart done');
    })().finally(() => {
      this.rolling = undefined;
    });
    return this.rolling;
  }

  private async recycleNext(): Promise<void> {
    if (this.recycling) return;
    this.recycling = true;
    try {
      for (let slot = this.recycleQueue.shift(); slot !== undefined; slot = this.recycleQueue.shift()) {
        await this.rolling;
        if (slot.state !== 'ready') continue;
        this.log(`tsgi: worker ${slot.worker.process.pid} reached its max requests; replacing it`);
        await this.replace(slot);
      }
    } finally {
      this.recycling = false;
    }
  }

  private onReport(slot: Slot, line: string): void {
    const report = blockedReport(line);
    if (report === undefined) {
      this.log(`tsgi: worker ${slot.worker.process.pid} wrote a malformed watchdog report, ignored`);
      return;
    }
    const request = report.request
      ? `serving ${report.request.method} ${report.request.path} for ${report.request.ms} ms`
      : 'serving no request';
    const stack = report.stack?.length ? `; stack:\n    at ${report.stack.join('\n    at ')}` : '; no stack';
    this.log(
      `tsgi: worker ${slot.worker.process.pid} blocked its event loop for ${report.blockedMs} ms (timeout ${this.timeout} ms), ${request}, ${report.inFlight} in flight${stack}`,
    );
    this.kill(slot, 'was killed: its event loop was blocked');
  }

  private checkBeats(): void {
    const now = Date.now();
    const boot = this.options.bootTimeout ?? 60_000;
    for (const slot of this.slots.values()) {
      if (slot.state === 'starting' && slot.killed === undefined && now - slot.forkedAt > boot) {
        this.kill(slot, `was killed after ${boot} ms`);
      }
    }
    if (this.timeout <= 0) return;
    // the watchdog reports first; this is for a worker whose watchdog could not
    // after the watchdog had its chance: the timeout, up to 2 s for the stack, and a margin
    const limit = this.timeout + Math.max(5000, 4 * this.heartbeat);
    for (const slot of this.slots.values()) {
      if (slot.state === 'starting' || slot.killed !== undefined || now - slot.lastBeat < limit) continue;
      this.log(
        `tsgi: worker ${slot.worker.process.pid} sent no heartbeat for ${now - slot.lastBeat} ms and no report`,
      );
      this.kill(slot, 'was killed: no heartbeat');
    }
  }

  private kill(slot: Slot, why: string): void {
    slot.killed = why;
    // a stopping worker is not replaced: it was on its way out
    slot.worker.process.kill('SIGKILL');
  }

  private more(): void {
    this.wanted++;
    this.log(`tsgi: SIGTTIN: ${this.wanted} workers`);
    this.fill();
  }

  private fewer(): void {
    if (this.wanted <= 1) return;
    this.wanted--;
    this.log(`tsgi: SIGTTOU: ${this.wanted} workers`);
    const newest = this.active().at(-1);
    if (newest !== undefined) void this.stop(newest);
  }

  private giveUp(message: string): void {
    this.log(`tsgi: ${message}`);
    this.exitCode = 1;
    process.exitCode = 1;
    if (!this.everReady) this.serving.reject(new Error(message));
    void this.close();
  }

  private close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.respawnTimer);
      clearInterval(this.checker);
      for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
      await Promise.all([...this.slots.values()].map((slot) => this.stop(slot)));
      this.finished(this.exitCode);
    })();
    return this.closing;
  }

  private handleSignals(): void {
    const on = (signal: NodeJS.Signals, handler: () => void) => {
      this.signalHandlers.push([signal, handler]);
      process.on(signal, handler);
    };
    const shutdown = (signal: string) => () => {
      this.log(`tsgi: ${signal}: stopping ${this.slots.size} workers gracefully`);
      void this.close().then(() => process.exit(this.exitCode));
    };
    on('SIGTERM', shutdown('SIGTERM'));
    on('SIGINT', shutdown('SIGINT'));
    on('SIGHUP', () => void this.reload());
    on('SIGTTIN', () => this.more());
    on('SIGTTOU', () => this.fewer());
  }
}
