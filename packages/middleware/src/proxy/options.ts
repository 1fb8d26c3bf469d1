import { type Environ, type ErrorStream, stderrErrors } from '@tsgi/core';

/** One upstream: its base URL (`http://10.0.0.5:8080`, optionally with a path prefix) and weight. */
export interface UpstreamOption {
  url: string;
  /** A share of the traffic relative to the others (a positive integer). Default 1. */
  weight?: number;
}

/** What a custom strategy sees of an upstream. */
export interface UpstreamInfo {
  /** The position in `upstreams`. */
  readonly index: number;
  readonly url: string;
  readonly weight: number;
  /** Requests in flight on it now (head not yet received, or body still streaming). */
  readonly active: number;
}

/**
 * How the next upstream is chosen among the healthy ones not yet tried for this request.
 * A function returns one of `candidates` (or undefined: nothing suits, the client gets a 502).
 */
export type Strategy =
  | 'round-robin'
  | 'least-connections'
  | ((candidates: readonly UpstreamInfo[], environ: Environ) => UpstreamInfo | undefined);

/** Active health checks: a `GET path` to every upstream each `interval`. */
export interface HealthCheckOptions {
  /** The path probed, e.g. `/health`; a 2xx or 3xx answer within `timeout` is healthy. */
  path: string;
  /** Milliseconds between probes. Default 5000. */
  interval?: number;
  /** Milliseconds a probe may take. Default 2000. */
  timeout?: number;
}

/** Passive health: what live traffic says about an upstream. */
export interface PassiveHealthOptions {
  /** Consecutive 5xx answers (or failed exchanges) that eject an upstream. Default 3. A refused connection ejects at once. */
  failures?: number;
  /** Milliseconds of the first ejection; doubled each time it is ejected again without a success between. Default 1000. */
  backoff?: number;
  /** The longest ejection, in milliseconds. Default 30000 (or `backoff`, if longer). */
  maxBackoff?: number;
}

/** Timeouts, in milliseconds. */
export interface ProxyTimeoutOptions {
  /** To open a connection to an upstream. Default 5000 (then 504, or the next upstream). */
  connect?: number;
  /** From sending the request to the end of the response head. Default 30000 (then 504). */
  head?: number;
  /** Between two chunks of the response body. Default 300000 (then the response is aborted). */
  body?: number;
}

/** Headers the proxy sets on the forwarded request. */
export interface ForwardHeaderOptions {
  /** `pass` (default): the client's `Host`; `rewrite`: the upstream's own host and port. */
  host?: 'pass' | 'rewrite';
  /** Append `X-Forwarded-For`, `-Proto` and `-Host`. Default true. */
  xForwarded?: boolean;
  /** Append an RFC 7239 `Forwarded` element too. Default false. */
  forwarded?: boolean;
}

/** Options of {@link proxy}. */
export interface ProxyOptions {
  /** Where requests go: at least one, each a URL or `{ url, weight }`. */
  upstreams: ReadonlyArray<string | UpstreamOption>;
  /** Default `round-robin` (weighted when weights differ). */
  strategy?: Strategy;
  /** Active probes; off unless given. */
  healthCheck?: HealthCheckOptions;
  /** Passive ejection (see {@link PassiveHealthOptions}); `false` turns it off. */
  passive?: PassiveHealthOptions | false;
  /** A number is the head timeout; or each one. */
  timeout?: number | ProxyTimeoutOptions;
  /** How many other upstreams a request may be tried on (when that is safe). Default 2. */
  retries?: number;
  /** Under a mount: forward only the path below it (`strip`, default) or the full path (`keep`). */
  path?: 'strip' | 'keep';
  headers?: ForwardHeaderOptions;
  /** Keep-alive connections per upstream, at most. Default 128. */
  connections?: number;
  /** Where the proxy's own events (ejected, restored, retried) go, one line each. Default: standard error. */
  errors?: ErrorStream;
}

/** The options, checked and with their defaults. */
export interface Settings {
  readonly upstreams: ReadonlyArray<{ readonly url: URL; readonly weight: number }>;
  readonly strategy: Strategy;
  readonly healthCheck: Required<HealthCheckOptions> | undefined;
  readonly passive: Required<PassiveHealthOptions> | undefined;
  readonly timeout: Required<ProxyTimeoutOptions>;
  readonly retries: number;
  readonly path: 'strip' | 'keep';
  readonly headers: Required<ForwardHeaderOptions>;
  readonly connections: number;
  readonly errors: ErrorStream;
}

/** Checks `options` (a TypeError names the option at fault) and fills in the defaults. */
export function settingsOf(options: ProxyOptions): Settings {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('proxy: options must be an object');
  const { upstreams } = options;
  if (!Array.isArray(upstreams) || upstreams.length === 0) {
    throw new TypeError('proxy: upstreams must be a non-empty array of URLs or { url, weight }');
  }
  const strategy = options.strategy ?? 'round-robin';
  if (typeof strategy !== 'function' && strategy !== 'round-robin' && strategy !== 'least-connections') {
    throw new TypeError(`proxy: strategy must be 'round-robin', 'least-connections' or a function`);
  }
  const path = options.path ?? 'strip';
  if (path !== 'strip' && path !== 'keep') throw new TypeError(`proxy: path must be 'strip' or 'keep'`);
  const host = options.headers?.host ?? 'pass';
  if (host !== 'pass' && host !== 'rewrite')
    throw new TypeError(`proxy: headers.host must be 'pass' or 'rewrite'`);
  const timeout = typeof options.timeout === 'number' ? { head: options.timeout } : (options.timeout ?? {});
  const errors = options.errors ?? stderrErrors;
  if (typeof errors?.write !== 'function')
    throw new TypeError('proxy: errors must have a write(message) method');
  return {
    upstreams: upstreams.map(upstreamOf),
    strategy,
    healthCheck: options.healthCheck === undefined ? undefined : healthCheckOf(options.healthCheck),
    passive: options.passive === false ? undefined : passiveOf(options.passive ?? {}),
    timeout: {
      connect: count('timeout.connect', timeout.connect, 5000, 1),
      head: count('timeout.head', timeout.head, 30_000, 1),
      body: count('timeout.body', timeout.body, 300_000, 0),
    },
    retries: count('retries', options.retries, 2, 0),
    path,
    headers: {
      host,
      xForwarded: flag('headers.xForwarded', options.headers?.xForwarded, true),
      forwarded: flag('headers.forwarded', options.headers?.forwarded, false),
    },
    connections: count('connections', options.connections, 128, 1),
    errors,
  };
}

function upstreamOf(entry: string | UpstreamOption, index: number): { url: URL; weight: number } {
  const text = typeof entry === 'string' ? entry : entry?.url;
  let url: URL;
  try {
    url = new URL(String(text));
  } catch {
    throw new TypeError(`proxy: upstreams[${index}] is not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`proxy: upstreams[${index}] must be an http: or https: URL, got ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(
      `proxy: upstreams[${index}] may hold a path prefix, but no query, fragment or credentials`,
    );
  }
  const weight = count(
    `upstreams[${index}].weight`,
    typeof entry === 'string' ? undefined : entry.weight,
    1,
    1,
  );
  return { url, weight };
}

function passiveOf(passive: PassiveHealthOptions): Required<PassiveHealthOptions> {
  const backoff = count('passive.backoff', passive.backoff, 1000, 1);
  return {
    failures: count('passive.failures', passive.failures, 3, 1),
    backoff,
    maxBackoff: count('passive.maxBackoff', passive.maxBackoff, Math.max(30_000, backoff), backoff),
  };
}

function healthCheckOf(check: HealthCheckOptions): Required<HealthCheckOptions> {
  if (typeof check?.path !== 'string' || !check.path.startsWith('/')) {
    throw new TypeError('proxy: healthCheck.path must be a path starting with /');
  }
  return {
    path: check.path,
    interval: count('healthCheck.interval', check.interval, 5000, 1),
    timeout: count('healthCheck.timeout', check.timeout, 2000, 1),
  };
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`proxy: ${name} must be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}

function flag(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`proxy: ${name} must be true or false`);
  return value;
}
