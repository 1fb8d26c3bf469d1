import type { App, Environ, Middleware } from '@tsgi/core';
import { ForwardedSyntaxError, forwardedAddress, parseForwarded } from './forwarded.js';
import { applyForwardedValues } from './proxy-values.js';

/** How many proxies in front of the app to trust, for each header (missing ones: 0). */
export interface TrustedHops {
  for?: number;
  proto?: number;
  host?: number;
  port?: number;
  prefix?: number;
}

/** Options of {@link proxyHeaders}. */
export interface ProxyHeadersOptions {
  /** The number of proxies in front of the app, for every header or per header. Default 1. */
  trustedHops?: number | TrustedHops;
  /** Read the RFC 7239 `Forwarded` header instead of `X-Forwarded-*`. Default false. */
  forwarded?: boolean;
}

/** The environ values {@link proxyHeaders} changed or removed, as the server set them. */
export interface ProxyOriginal {
  readonly REMOTE_ADDR: string;
  readonly 'tsgi.url_scheme': 'http' | 'https';
  readonly HTTP_HOST: string | undefined;
  readonly SERVER_NAME: string;
  readonly SERVER_PORT: string;
  readonly SCRIPT_NAME: string;
  /** The proxy headers as received, removed ones included: `HTTP_X_FORWARDED_FOR`, `HTTP_FORWARDED`, … */
  readonly headers: Readonly<Record<string, string>>;
}

const ORIGINAL_KEY = 'proxy.original';
const FIELDS = ['for', 'proto', 'host', 'port', 'prefix'] as const;
type Field = (typeof FIELDS)[number];
const X_KEYS: Record<Field, `HTTP_${string}`> = {
  for: 'HTTP_X_FORWARDED_FOR',
  proto: 'HTTP_X_FORWARDED_PROTO',
  host: 'HTTP_X_FORWARDED_HOST',
  port: 'HTTP_X_FORWARDED_PORT',
  prefix: 'HTTP_X_FORWARDED_PREFIX',
};
/** Every header proxyHeaders reads, once (not an array built per request). */
const PROXY_KEYS: readonly `HTTP_${string}`[] = [...Object.values(X_KEYS), 'HTTP_FORWARDED'];
/** The original headers of a request that came with none of them: one shared, frozen object. */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * What the server saw before {@link proxyHeaders} rewrote the environ, or undefined when it
 * did not run.
 * @example proxyOriginal(environ)?.REMOTE_ADDR // '10.0.0.2', the proxy's own address
 */
export function proxyOriginal(environ: Environ): ProxyOriginal | undefined {
  return environ[ORIGINAL_KEY] as ProxyOriginal | undefined;
}

function checkHops(value: unknown, label: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new TypeError(`proxyHeaders: ${label} must be a non-negative integer, got ${String(value)}`);
  }
  return value as number;
}

/** The entry `hops` from the right of a comma list, or undefined when the list is short or malformed. */
function fromRight<T>(list: readonly T[], hops: number): T | undefined {
  return hops === 0 || list.length < hops ? undefined : list[list.length - hops];
}

/**
 * Trusts the headers a reverse proxy adds, as werkzeug's `ProxyFix` does, but never all of
 * them: `trustedHops` says how many proxies stand in front of the app, per header if need be,
 * and only the entry that many hops from the right is believed (the ones to its left are the
 * client's to forge). `X-Forwarded-For` → `REMOTE_ADDR`, `-Proto` → `tsgi.url_scheme`, `-Host`
 * → `HTTP_HOST` and `SERVER_NAME`, `-Port` → `SERVER_PORT`, `-Prefix` → before `SCRIPT_NAME`;
 * with `forwarded: true`, RFC 7239 `Forwarded` (`for`, `proto`, `host`) instead. The kind not
 * read — and any X-Forwarded header trusted for 0 hops — is removed from the environ, so an
 * app that reads it by hand cannot be fooled. A malformed value or a list shorter than the
 * hops trusted changes nothing (a malformed `Forwarded` nothing at all); hosts must be
 * host[:port], protos http or https, addresses IPs. The environ is rewritten in place (so an
 * access log outside sees the client's address); the originals: {@link proxyOriginal}.
 * Defaults: `trustedHops: 1`, `forwarded: false`.
 *
 * When not to use it: when the app is reached directly (no proxy), any of these headers is
 * the client's own invention; and with more proxies than you count, the address is a proxy's.
 * @example
 * serve(proxyHeaders({ trustedHops: 1 })(app));                                     // one nginx in front
 * serve(proxyHeaders({ trustedHops: { for: 2, proto: 1 } })(app));                  // CDN + nginx
 * serve(proxyHeaders({ trustedHops: 1, forwarded: true })(app));                    // RFC 7239
 */
export function proxyHeaders(options: ProxyHeadersOptions = {}): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('proxyHeaders: options must be an object');
  const given = options.trustedHops ?? 1;
  const hops: Record<Field, number> = { for: 0, proto: 0, host: 0, port: 0, prefix: 0 };
  if (typeof given === 'number') {
    for (const field of FIELDS) hops[field] = checkHops(given, 'trustedHops');
  } else if (given !== null && typeof given === 'object') {
    for (const key of Object.keys(given)) {
      if (!(FIELDS as readonly string[]).includes(key))
        throw new TypeError(`proxyHeaders: trustedHops.${key} is not one of ${FIELDS.join(', ')}`);
      hops[key as Field] = checkHops(given[key as Field], `trustedHops.${key}`);
    }
  } else {
    throw new TypeError('proxyHeaders: trustedHops must be a number or an object of per-header counts');
  }
  const forwarded = options.forwarded ?? false;
  if (typeof forwarded !== 'boolean') throw new TypeError('proxyHeaders: forwarded must be a boolean');
  if (forwarded && (hops.port > 0 || hops.prefix > 0) && typeof given === 'object') {
    throw new TypeError(
      'proxyHeaders: Forwarded has no port or prefix: trustedHops.port/prefix apply to X-Forwarded-* only',
    );
  }

  return (app: App): App =>
    (environ, startResponse) => {
      let headers: Record<string, string> = NO_HEADERS;
      for (const key of PROXY_KEYS) {
        const value = environ[key];
        if (typeof value !== 'string') continue;
        if (headers === NO_HEADERS) headers = {};
        headers[key] = value;
      }
      environ[ORIGINAL_KEY] = {
        REMOTE_ADDR: environ.REMOTE_ADDR,
        'tsgi.url_scheme': environ['tsgi.url_scheme'],
        HTTP_HOST: environ.HTTP_HOST,
        SERVER_NAME: environ.SERVER_NAME,
        SERVER_PORT: environ.SERVER_PORT,
        SCRIPT_NAME: environ.SCRIPT_NAME,
        headers,
      } satisfies ProxyOriginal;
      // reached directly (no proxy header at all): nothing to believe and nothing to remove
      if (headers === NO_HEADERS) return app(environ, startResponse);
      if (forwarded) {
        for (const key of Object.values(X_KEYS)) delete environ[key];
        if (headers.HTTP_FORWARDED !== undefined) applyForwarded(environ, headers.HTTP_FORWARDED, hops);
      } else {
        delete environ.HTTP_FORWARDED;
        const pick = (field: Field): string | undefined => {
          const value = headers[X_KEYS[field]];
          if (hops[field] === 0) delete environ[X_KEYS[field]];
          if (value === undefined || hops[field] === 0) return undefined;
          const list = value.split(',').map((entry) => entry.trim());
          if (list.some((entry) => entry === '')) return undefined; // malformed: believe none of it
          return fromRight(list, hops[field]);
        };
        applyForwardedValues(environ, {
          for: pick('for'),
          proto: pick('proto'),
          host: pick('host'),
          port: pick('port'),
          prefix: pick('prefix'),
        });
      }
      return app(environ, startResponse);
    };
}

function applyForwarded(environ: Environ, header: string, hops: Record<Field, number>): void {
  let elements: ReturnType<typeof parseForwarded>;
  try {
    elements = parseForwarded(header);
  } catch (error) {
    if (error instanceof ForwardedSyntaxError) return; // malformed: nothing changes
    throw error;
  }
  const at = (field: Field) => fromRight(elements, hops[field])?.[field];
  const node = at('for');
  applyForwardedValues(environ, {
    for: node === undefined ? undefined : forwardedAddress(node),
    proto: at('proto'),
    host: at('host'),
  });
}
