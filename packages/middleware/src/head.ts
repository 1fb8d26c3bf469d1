import { type App, andThen, type Captured, type Chunk, capture, type Middleware, send } from '@tsgi/core';
import { isBodylessStatus } from '@tsgi/core/http';
import { arrayByteLength } from './content-length.js';

/**
 * Answers HEAD by running the app as for GET and sending the status and headers without the
 * body, which is closed unread, as `Rack::Head` does: an app that only knows GET answers HEAD
 * with the same headers (its `Content-Length` included, counted from an array body as the server
 * would for GET). Other methods pass through untouched.
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
        // the server would have counted an array body for GET: with the body gone, say it here
        const body = response.body;
        if (
          Array.isArray(body) &&
          !isBodylessStatus(response.code) &&
          response.getHeader('Content-Length') === undefined
        )
          response.setHeader('Content-Length', String(arrayByteLength(body as Chunk[])));
        response.replaceBody([]);
        return send(response, startResponse);
      });
    };
}
