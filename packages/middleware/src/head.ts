import { type App, andThen, type Captured, capture, type Middleware, send } from '@tsgi/core';

/**
 * Answers HEAD by running the app as for GET and sending the status and headers without the
 * body, which is closed unread, as `Rack::Head` does: an app that only knows GET answers HEAD
 * with the same headers (its `Content-Length` included). Other methods pass through untouched.
 * No options.
 *
 * When not to use it: the router already answers HEAD with its GET route, and tsgi's servers
 * never send a body to HEAD; use it around an app that refuses HEAD (a 405), or one that does
 * costly work that reading no body would skip (a streaming body's generator never runs).
 * @example
 * serve(head()(getOnlyApp));
 */
export function head(): Middleware {
  return (app: App): App =>
    (environ, startResponse) => {
      if (environ.REQUEST_METHOD !== 'HEAD') return app(environ, startResponse);
      return andThen(capture(app, { ...environ, REQUEST_METHOD: 'GET' }), (response: Captured) => {
        response.replaceBody([]);
        return send(response, startResponse);
      });
    };
}
