import {
  type App,
  BadGateway,
  BadRequest,
  type Body,
  type Environ,
  GatewayTimeout,
  HTTPError,
  isHTTPError,
  rawPathInfo,
  rawScriptName,
  type StartResponse,
} from '@tsgi/core';
import { hasCrLfNul, statusLine } from '@tsgi/core/http';
import type { Dispatcher } from 'undici';
import { pickerOf } from './balancer.js';
import { watchClient } from './client-signal.js';
import { type BodyEnd, Forwarding, RequestBody, type ResponseHead } from './forward.js';
import { requestHeaders, responseHeaders } from './headers.js';
import { Health } from './health.js';
import { type ProxyOptions, settingsOf } from './options.js';
import { Upstream } from './upstream.js';

export { forwardedElement } from './headers.js';
export type {
  ForwardHeaderOptions,
  HealthCheckOptions,
  PassiveHealthOptions,
  ProxyOptions,
  ProxyTimeoutOptions,
  Strategy,
  UpstreamInfo,
  UpstreamOption,
} from './options.js';

/** A proxy is an app, with a `close()` that stops its health checks and closes its connections. */
export interface ProxyApp extends App {
  /** Stops the probes and back-off timers; closes the upstream connections once their requests end. Idempotent. */
  close(): Promise<void>;
}

// Failures where the request never reached the upstream: safe to send elsewhere, any method.
const NEVER_REACHED = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// undici's own refusals: no upstream is to blame
const NOT_SENT = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * A reverse proxy and load balancer: forwards each request to one of `upstreams` through
 * undici keep-alive pools, streaming both bodies with backpressure. Defaults: round-robin
 * (weighted), passive health on (3 failures or a refused connection eject, back-off 1 s
 * doubling to 30 s), no active probes, timeouts connect 5 s / head 30 s / body idle 300 s,
 * 2 retries, `path: 'strip'`, `Host` passed, `X-Forwarded-*` appended, events to stderr.
 * A request is tried on another upstream only when that is safe: it never reached the first
 * (refused, connect timeout), or its method is idempotent, no byte of its body was sent and no
 * byte of a response came. With every upstream out of service it answers 502 at once;
 * timeouts answer 504. Not for WebSocket (`Upgrade` is hop-by-hop and dropped) or HTTP/2 upstreams.
 * @example
 * const api = proxy({ upstreams: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'],
 *   strategy: 'least-connections', healthCheck: { path: '/health', interval: 2000 } });
 * serve(router().mount('/api', api).get('/', home));   // on shutdown: await api.close();
 */
export function proxy(options: ProxyOptions): ProxyApp {
  const settings = settingsOf(options);
  const upstreams = settings.upstreams.map(
    ({ url, weight }, index) => new Upstream(index, url, weight, settings),
  );
  const pick = pickerOf(settings.strategy, upstreams);
  const health = new Health(upstreams, settings);

  async function exchange(environ: Environ, startResponse: StartResponse): Promise<Body> {
    const method = environ.REQUEST_METHOD;
    const target = targetOf(environ, settings.path);
    const input = hasBody(environ) ? new RequestBody(environ['tsgi.input']) : null;
    const client = environ['tsgi.signal'];
    const tried: Upstream[] = [];
    let failure: HTTPError | undefined;
    for (let attempt = 0; ; attempt++) {
      const candidates = attempt === 0 && allUp() ? upstreams : inService(tried);
      const upstream = candidates.length === 0 ? undefined : pick(candidates, environ);
      if (upstream === undefined) throw failure ?? new BadGateway('No upstream is in service');
      tried.push(upstream);
      if (client.aborted) throw clientGone(client.reason);
      const forwarding = new Forwarding(input, settings.timeout.head);
      const watching = watchClient(client, forwarding);
      upstream.active++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        upstream.active--;
        watching.delete(forwarding);
      };
      let head: ResponseHead;
      try {
        upstream.pool.dispatch(
          {
            method: method as Dispatcher.HttpMethod,
            path: upstream.prefix + target,
            headers: requestHeaders(environ, upstream, settings),
            // undici takes any async iterable; its types list only streams
            body: input as Dispatcher.DispatchOptions['body'],
          },
          forwarding,
        );
        head = await forwarding.head;
      } catch (error) {
        release();
        forwarding.abort(asError(error));
        if (client.aborted) throw clientGone(error);
        if (input?.failure !== undefined) throw input.failure; // the client's side failed, not the upstream
        const code = codeOf(error);
        const reason = `${code || 'error'}: ${error instanceof Error ? error.message : String(error)}`;
        // undici refused the request itself (a header it will not send, the proxy was closed)
        if (NOT_SENT.has(code)) throw new BadGateway(undefined, { cause: error });
        health.failed(upstream, reason, NEVER_REACHED.has(code));
        failure = TIMEOUTS.has(code)
          ? new GatewayTimeout(undefined, { cause: error })
          : new BadGateway(undefined, { cause: error });
        if (attempt >= settings.retries || !retryable(code, method, input)) throw failure;
        health.event(`retried ${method} ${JSON.stringify(target)}: ${upstream.url} failed (${reason})`);
        continue;
      }
      try {
        return answer(upstream, head, forwarding, release, startResponse, client);
      } catch (error) {
        forwarding.abort(asError(error));
        release();
        throw error;
      }
    }
  }

  function allUp(): boolean {
    for (const upstream of upstreams) if (upstream.down !== undefined) return false;
    return true;
  }

  function inService(tried: readonly Upstream[]): Upstream[] {
    return upstreams.filter((upstream) => upstream.down === undefined && !tried.includes(upstream));
  }

  /** Passes the upstream's head on and returns its body, for the server to stream. */
  function answer(
    upstream: Upstream,
    { status, reason, rawHeaders }: ResponseHead,
    forwarding: Forwarding,
    release: () => void,
    startResponse: StartResponse,
    client: AbortSignal,
  ): Body {
    const headers = status < 600 ? responseHeaders(rawHeaders, status) : undefined;
    if (headers === undefined) {
      health.failed(upstream, `malformed response head (status ${status})`, false);
      throw new BadGateway('The upstream sent a malformed response head');
    }
    if (status >= 500) health.failed(upstream, `answered ${status}`, false);
    else health.succeeded(upstream);
    startResponse(reason && !hasCrLfNul(reason) ? `${status} ${reason}` : statusLine(status), headers);
    const whole = forwarding.takeWhole();
    if (whole !== undefined) {
      release();
      return whole;
    }
    forwarding.onEnd = (end: BodyEnd) => {
      release();
      if (end.state === 'error' && !client.aborted) {
        health.failed(upstream, `response body failed: ${String(end.error)}`, false);
      }
    };
    return forwarding;
  }

  const app = ((environ, startResponse) => exchange(environ, startResponse)) as ProxyApp;
  let closing: Promise<void> | undefined;
  app.close = () => {
    closing ??= health
      .close()
      .then(() => Promise.all(upstreams.map((upstream) => upstream.pool.close())))
      .then(() => {});
    return closing;
  };
  return app;
}

/**
 * The path and query to forward: below the mount point (`strip`) or the full path (`keep`), still
 * encoded. A dot-segment is refused: the upstream would resolve `/prefix/../x` above its prefix
 * (and the mount matched a path the upstream never sees); browsers never send one.
 */
function targetOf(environ: Environ, path: 'strip' | 'keep'): string {
  const below = rawPathInfo(environ);
  const full = path === 'keep' ? rawScriptName(environ) + below : below;
  if (hasDotSegment(full)) throw new BadRequest('The path holds a `.` or `..` segment: not forwarded');
  const query = environ.QUERY_STRING;
  // `OPTIONS *` has no path: the upstream gets its root
  return (full.startsWith('/') ? full : '/') + (query ? `?${query}` : '');
}

/**
 * A `.` or `..` segment, spelled plainly, percent-encoded, behind an encoded slash or a
 * backslash, or with `;params` (`..;/`: Tomcat, Jetty and Spring drop a segment's parameters
 * before they resolve it, so `/prefix/..;/x` reaches `/x` there).
 */
function hasDotSegment(raw: string): boolean {
  if (!raw.includes('.') && !(raw.includes('%') && /%2e/i.test(raw))) return false;
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // not UTF-8 once decoded: judged as it is
  }
  return decoded.split(/[\\/]/).some((segment) => {
    const semi = segment.indexOf(';');
    const bare = semi === -1 ? segment : segment.slice(0, semi);
    return bare === '.' || bare === '..';
  });
}

function hasBody(environ: Environ): boolean {
  const length = environ.CONTENT_LENGTH;
  if (length !== undefined) return length !== '0';
  return environ.HTTP_TRANSFER_ENCODING !== undefined;
}

function retryable(code: string, method: string, input: RequestBody | null): boolean {
  if (input?.opened === true) return false; // some of the body may be gone: never replayed
  if (NEVER_REACHED.has(code)) return true;
  // an idempotent request that got no response byte; a slow upstream is not asked twice
  return IDEMPOTENT.has(method) && code !== 'UND_ERR_HEADERS_TIMEOUT';
}

/**
 * What the proxy throws when its client left before the head came: nginx's 499, which the
 * server renders to nobody and, being below 500, does not log as a failure of the app.
 */
function clientGone(cause: unknown): HTTPError {
  return new HTTPError(499, 'The client closed the request', { cause });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function codeOf(error: unknown): string {
  if (isHTTPError(error)) return '';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
