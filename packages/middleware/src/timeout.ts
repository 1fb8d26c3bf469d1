import {
  type App,
  type Captured,
  capture,
  closeBody,
  type Middleware,
  onBodyDone,
  ServiceUnavailable,
  send,
} from '@tsgi/core';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** How long the app may take to start its response, in ms. Required. */
  ms: number;
}

/**
 * A 503 when the app has not started its response within `ms`: the app's `tsgi.signal` then
 * aborts (its reason a `TimeoutError` DOMException), so it can stop its work, and a response
 * it starts later is closed unsent. It bounds the time to the response's start, not the
 * streaming of its body (an endless event stream is fine). Synchronous apps are never cut off
 * (nothing can interrupt them) and cost no timer.
 *
 * When not to use it: to bound the time a client may take (slow uploads), set the server's
 * `requestTimeout`; a timed-out app that ignores `tsgi.signal` keeps running to its end.
 * @example
 * serve(timeout({ ms: 5000 })(app));
 */
export function timeout(options: TimeoutOptions): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('timeout: options { ms } are required');
  const { ms } = options;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 2 ** 31 - 1) {
    throw new TypeError(`timeout: ms must be a positive number of milliseconds, got ${String(ms)}`);
  }
  return (app: App): App =>
    (environ, startResponse) => {
      // the app's signal follows the connection's until its body is done (not AbortSignal.any:
      // tsgi.signal is shared by a keep-alive connection, and a listener left on it would pile up)
      const controller = new AbortController();
      const parent = environ['tsgi.signal'];
      const follow = () => controller.abort(parent.reason);
      if (parent.aborted) follow();
      else parent.addEventListener('abort', follow, { once: true });
      const unlink = () => parent.removeEventListener('abort', follow);
      let captured: ReturnType<typeof capture>;
      try {
        captured = capture(app, { ...environ, 'tsgi.signal': controller.signal });
      } catch (error) {
        unlink(); // a synchronous throw: no body will ever be done to unlink it
        throw error;
      }
      const sent = (response: Captured) => {
        response.body = onBodyDone(response.body, unlink);
        return send(response, startResponse);
      };
      if (!(captured instanceof Promise)) return sent(captured);
      return new Promise((resolve, reject) => {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          unlink();
          controller.abort(new DOMException(`The app did not answer within ${ms} ms`, 'TimeoutError'));
          try {
            resolve(new ServiceUnavailable(`The app did not answer within ${ms} ms`)(environ, startResponse));
          } catch (error) {
            reject(error);
          }
        }, ms);
        captured.then(
          (response: Captured) => {
            if (timedOut) {
              void closeBody(response.body); // too late: never sent
              return;
            }
            clearTimeout(timer);
            try {
              resolve(sent(response));
            } catch (error) {
              reject(error);
            }
          },
          (error: unknown) => {
            if (timedOut) return; // the 503 went out; the app's late failure has no one to tell
            clearTimeout(timer);
            unlink();
            reject(error);
          },
        );
      });
    };
}
