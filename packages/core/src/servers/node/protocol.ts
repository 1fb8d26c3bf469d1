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
  /** The worker got its first request: an exit from now on is not a start-up failure. */
  | { readonly tsgi: 'serving' }
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

/**
 * A message from a worker, checked field by field (the primary must never crash on what a
 * worker, running app code, sends): undefined for what is not ours (no `tsgi` key: an app's
 * own messages share the channel), `'malformed'` for one of ours with a wrong shape.
 */
export function workerMessage(message: unknown): WorkerMessage | 'malformed' | undefined {
  if (typeof message !== 'object' || message === null || !('tsgi' in message)) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.tsgi) {
    case 'beat':
    case 'serving':
    case 'closed':
      return { tsgi: m.tsgi };
    case 'ready':
      return typeof m.host === 'string' && isPort(m.port)
        ? { tsgi: 'ready', host: m.host, port: m.port }
        : 'malformed';
    case 'recycle':
      return isCount(m.requests) ? { tsgi: 'recycle', requests: m.requests } : 'malformed';
    case 'fatal':
      return typeof m.message === 'string'
        ? { tsgi: 'fatal', message: m.message.slice(0, 500) }
        : 'malformed';
    default:
      return 'malformed';
  }
}

/** A line from a worker's watchdog (see {@link BlockedReport}), checked; undefined when malformed. */
export function blockedReport(line: string): BlockedReport | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isCount(r.blockedMs) || !isCount(r.inFlight)) return undefined;
  const request = r.request as Record<string, unknown> | undefined | null;
  const requestOk =
    request === undefined ||
    (typeof request === 'object' &&
      request !== null &&
      typeof request.method === 'string' &&
      typeof request.path === 'string' &&
      isCount(request.ms));
  const stackOk =
    r.stack === undefined || (Array.isArray(r.stack) && r.stack.every((f) => typeof f === 'string'));
  if (!requestOk || !stackOk) return undefined;
  return r as unknown as BlockedReport;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) <= 65535;
}

/** This process is a worker that a tsgi supervisor forked. */
export function workerSettings(): WorkerSettings | undefined {
  const raw = process.env[WORKER_ENV];
  if (raw === undefined || typeof process.send !== 'function') return undefined;
  return JSON.parse(raw) as WorkerSettings;
}

/** A value as JSON for a log line, cut short; never throws (a cycle, a BigInt). */
export function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return '(not JSON)';
  }
}
