import { Pool } from 'undici';
import type { Settings, UpstreamInfo } from './options.js';

/**
 * One upstream as the proxy tracks it: its keep-alive pool, the requests in flight on it,
 * and whether it is in service. Health decides `down`; the balancer reads it.
 */
export class Upstream implements UpstreamInfo {
  /** The URL's origin, and its path prefix without a trailing slash (`''` for none). */
  readonly origin: string;
  readonly prefix: string;
  /** `host[:port]` as a Host header spells it, for `headers.host: 'rewrite'`. */
  readonly host: string;
  readonly pool: Pool;
  active = 0;
  /** Why it is out of service, or undefined when it is in. */
  down: string | undefined;
  /** Consecutive failures since the last success (passive health). */
  failures = 0;
  /** Ejections in a row without a success between: the back-off doubles with each. */
  ejections = 0;
  /** Smooth weighted round-robin's running weight (nginx's algorithm). */
  current = 0;

  constructor(
    readonly index: number,
    url: URL,
    readonly weight: number,
    settings: Settings,
  ) {
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.host = url.host;
    this.pool = new Pool(this.origin, {
      connections: settings.connections,
      connectTimeout: settings.timeout.connect,
      headersTimeout: settings.timeout.head,
      bodyTimeout: settings.timeout.body,
      keepAliveTimeout: 4000,
    });
  }

  get url(): string {
    return this.origin + this.prefix;
  }

  /** The public view handed to a custom strategy (no pool, no mutable state). */
  info(): UpstreamInfo {
    return { index: this.index, url: this.url, weight: this.weight, active: this.active };
  }
}
