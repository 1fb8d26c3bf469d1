// What `serve(app, { workers })` and `tsgi serve --workers` take and give back.

/** How {@link serve} with `workers` (and `tsgi serve --workers`) runs its processes. */
export interface ClusterOptions {
  /** Worker processes to run. */
  workers: number;
  /** Requests after which a worker is replaced (gracefully, one at a time); 0 for never. Default 0. */
  maxRequests?: number;
  /** Up to this many requests are added at random to each worker's `maxRequests`, so they do not all recycle together. Default 10% of `maxRequests`. */
  maxRequestsJitter?: number;
  /**
   * Milliseconds a worker's event loop may stay blocked: longer, and the primary logs the
   * request it was serving (and its JavaScript stack) and replaces it. 0 for never. Default 0.
   */
  timeout?: number;
  /** Milliseconds a new worker has to listen before it is killed (a start-up failure). Default 60 s. */
  bootTimeout?: number;
  /** Milliseconds between a worker's heartbeats. Default a quarter of `timeout`, at most 1 s. */
  heartbeat?: number;
  /**
   * First delay before respawning a crashed worker, doubled for each quick exit in a row (see
   * `minUptime`), up to `maxRespawnDelay`. Default 100 ms.
   */
  respawnDelay?: number;
  /** Longest respawn delay. Default 10 s. */
  maxRespawnDelay?: number;
  /**
   * Milliseconds a worker must stay up after it listens: an exit sooner is a quick exit, which
   * backs off; once a worker has been up this long, the back-off starts again from
   * `respawnDelay`. 0: only exits before listening back off. Default 5 s.
   */
  minUptime?: number;
  /**
   * Start-up failures in a row (a worker exits before it listens, or within `minUptime` of it
   * before it got any request) with no worker serving make the primary give up and exit 1.
   * A worker that crashes after serving requests only backs off: it never makes the primary
   * give up, since a request may be what crashes it. Default 5.
   */
  crashLimit?: number;
  /** Milliseconds a stopping worker gets before it is killed. Default 30 s. */
  shutdownTimeout?: number;
  /**
   * Who spreads connections over the workers. `round-robin` (node's default, but on Windows):
   * the primary accepts each connection and hands it to the next worker, an even spread for a
   * small cost in the primary. `os`: the workers accept on the shared socket themselves, so the
   * primary does nothing per connection, but the kernel's spread can be very uneven.
   * Default `round-robin`; set before the first fork of the process.
   */
  scheduling?: 'round-robin' | 'os';
  /** Handle SIGTERM, SIGINT (graceful stop), SIGHUP (rolling restart), SIGTTIN/SIGTTOU (one worker more/less). Default true. */
  signals?: boolean;
  /** Where the primary logs (one line each). Default: standard error. */
  log?: (line: string) => void;
}

/** The primary of a cluster started by `serve(app, { workers })` or `tsgi serve --workers`. */
export interface PrimaryHandle {
  /** The address the workers share. */
  readonly host: string;
  readonly port: number;
  /** `http(s)://host:port`. */
  readonly url: string;
  /** The pids of the workers serving now. */
  readonly pids: readonly number[];
  /** Replaces every worker, one at a time, each new one listening before an old one stops (SIGHUP). */
  reload(): Promise<void>;
  /** Stops every worker gracefully (SIGTERM), then resolves. */
  close(): Promise<void>;
  /** Resolves with the exit code the primary should use once it stopped: 0, or 1 when it gave up. */
  readonly done: Promise<number>;
}

/** The longest delay setTimeout keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2_147_483_647;

/** Refuses cluster options a primary cannot work with, with a TypeError naming the option. */
export function checkClusterOptions(options: ClusterOptions): void {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new TypeError(`serve: workers must be a whole number of at least 1, not ${options.workers}`);
  }
  for (const name of ['respawnDelay', 'maxRespawnDelay', 'minUptime', 'crashLimit'] as const) {
    const value = options[name];
    const least = name === 'crashLimit' ? 1 : 0;
    // a timer over 2^31-1 ms fires after 1 ms (Node's TimeoutOverflowWarning): no back-off at all
    const most = name === 'crashLimit' ? Number.MAX_SAFE_INTEGER : MAX_TIMER_MS;
    if (value !== undefined && !(Number.isFinite(value) && value >= least && value <= most)) {
      throw new TypeError(
        `serve: ${name} must be a number of at least ${least} and at most ${most}, not ${value}`,
      );
    }
  }
}
