import { Client } from 'undici';
import type { Settings } from './options.js';
import type { Upstream } from './upstream.js';

/**
 * Which upstreams are in service. Passive: live traffic ejects an upstream that refuses
 * connections (at once) or fails `failures` times in a row (5xx, broken exchanges; never the
 * last one in service), for a back-off that doubles each time, after which it is tried again. Active: a probe per upstream
 * every `interval`; one that fails ejects the upstream until a probe succeeds.
 * Every change is one line on the `errors` stream. Timers are unref'd and stop on `close()`.
 */
export class Health {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly probes: Client[] = [];
  private readonly probing = new Set<Upstream>();
  private interval: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly settings: Settings,
  ) {
    const check = settings.healthCheck;
    if (check === undefined) return;
    for (const upstream of upstreams) {
      // a connection of its own, so that a probe never queues behind busy traffic
      this.probes[upstream.index] = new Client(upstream.origin, {
        connectTimeout: check.timeout,
        headersTimeout: check.timeout,
        bodyTimeout: check.timeout,
      });
    }
    this.interval = setInterval(() => this.probeAll(), check.interval);
    this.interval.unref();
    this.probeAll();
  }

  /** An exchange went well (a non-5xx head): the failure count starts again. */
  succeeded(upstream: Upstream): void {
    upstream.failures = 0;
    upstream.ejections = 0;
  }

  /** An exchange failed; `refused`: the upstream could not even be reached (ejected at once). */
  failed(upstream: Upstream, reason: string, refused: boolean): void {
    const passive = this.settings.passive;
    if (passive === undefined || upstream.down !== undefined || this.closed) return;
    upstream.failures++;
    if (!refused && upstream.failures < passive.failures) return;
    // 5xx and broken exchanges are what a client can provoke (a bad input): they never eject
    // the last upstream in service, which would turn every request on the site into a 502
    if (!refused && this.upstreams.every((other) => other === upstream || other.down !== undefined)) {
      upstream.failures = 0;
      return;
    }
    const backoff = Math.min(passive.maxBackoff, passive.backoff * 2 ** upstream.ejections);
    upstream.ejections++;
    upstream.failures = 0;
    const why = `${reason}; back in ${backoff} ms`;
    this.eject(upstream, why);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // not if a probe has failed since: then only a probe brings it back
      if (upstream.down === why) this.restore(upstream, 'back-off over');
    }, backoff);
    timer.unref();
    this.timers.add(timer);
  }

  /** Stops the probes and the back-off timers, and closes the probes' connections. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.interval);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.probes.map((client) => client.destroy()));
  }

  /** Writes one event line; error messages may hold newlines, which must not start forged lines. */
  event(text: string): void {
    this.settings.errors.write(`proxy: ${text.replace(/[\r\n]+/g, ' ')}\n`);
  }

  private eject(upstream: Upstream, reason: string): void {
    upstream.down = reason;
    this.event(`ejected ${upstream.url}: ${reason}`);
  }

  private restore(upstream: Upstream, reason: string): void {
    upstream.down = undefined;
    upstream.failures = 0;
    this.event(`restored ${upstream.url}: ${reason}`);
  }

  private probeAll(): void {
    for (const upstream of this.upstreams) {
      if (!this.probing.has(upstream)) void this.probe(upstream);
    }
  }

  private async probe(upstream: Upstream): Promise<void> {
    const check = this.settings.healthCheck;
    const client = this.probes[upstream.index];
    if (check === undefined || client === undefined) return;
    this.probing.add(upstream);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer in ${check.timeout} ms`)),
      check.timeout,
    );
    timer.unref();
    let failure: string | undefined;
    try {
      const response = await client.request({
        method: 'GET',
        path: upstream.prefix + check.path,
        headers: { host: upstream.host, 'user-agent': 'tsgi-proxy health check' },
        signal: controller.signal,
      });
      await response.body.dump();
      if (response.statusCode >= 400) failure = `health check answered ${response.statusCode}`;
    } catch (error) {
      failure = `health check failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      clearTimeout(timer);
      this.probing.delete(upstream);
    }
    if (this.closed) return;
    if (failure !== undefined) {
      if (upstream.down === undefined) this.eject(upstream, failure);
      else upstream.down = failure;
    } else if (upstream.down !== undefined) {
      this.succeeded(upstream);
      this.restore(upstream, 'health check passed');
    }
  }
}
