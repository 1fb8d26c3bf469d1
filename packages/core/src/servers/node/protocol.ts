// The messages between the cluster primary and its workers (over node:cluster's IPC channel),
// and the environment a worker is started with. Internal to the server.

/** Set in a worker's environment by the supervisor: its settings, as JSON. */
export const WORKER_ENV = 'TSGI_WORKER';

/** What a worker is told at fork. */
export interface WorkerSettings {
  /** Requests before this worker asks to be recycled (jitter applied by the primary); 0 for never. */
  readonly maxRequests: number;
  /** Milliseconds between heartbeats. */
  readonly heartbeat: number;
  /** Milliseconds of blocked event loop after which the watchdog reports; 0 for no watchdog. */
  readonly timeout: number;
  /** The file descriptor the watchdog writes its report to. */
  readonly reportFd: number;
}

export type WorkerMessage =
  | { readonly tsgi: 'ready'; readonly host: string; readonly port: number }
  | { readonly tsgi: 'beat' }
  | { readonly tsgi: 'recycle'; readonly requests: number }
  | { readonly tsgi: 'fatal'; readonly message: string }
  /** The worker's server closed; it waits for `exit` (see worker.ts). */
  | { readonly tsgi: 'closed' };

export type PrimaryMessage = { readonly tsgi: 'stop' } | { readonly tsgi: 'exit' };

/** What the watchdog saw when the event loop stayed blocked, one JSON line on the report fd. */
export interface BlockedReport {
  readonly blockedMs: number;
  /** The request that started last and is still running, if any. */
  readonly request?: { readonly method: string; readonly path: string; readonly ms: number };
  readonly inFlight: number;
  /** The main thread's JavaScript stack, top first, when the inspector could pause it. */
  readonly stack?: readonly string[];
}

/** A message from a worker, or undefined for anything else on the channel. */
export function workerMessage(message: unknown): WorkerMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const kind = (message as { tsgi?: unknown }).tsgi;
  return kind === 'ready' || kind === 'beat' || kind === 'recycle' || kind === 'fatal' || kind === 'closed'
    ? (message as WorkerMessage)
    : undefined;
}

/** This process is a worker that a tsgi supervisor forked. */
export function workerSettings(): WorkerSettings | undefined {
  const raw = process.env[WORKER_ENV];
  if (raw === undefined || typeof process.send !== 'function') return undefined;
  return JSON.parse(raw) as WorkerSettings;
}
