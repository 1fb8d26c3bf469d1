import { type App, andThen, type Captured, capture, type Middleware, send } from '@tsgi/core';
import { preferredType, statusLine } from '@tsgi/core/http';
import { pageContext } from './context.js';
import type { NavLink } from './views/layout.js';
import { errorPage } from './views/pages.js';

// What the visitor reads, by status. Core's page says what the code found wrong (the CSRF
// check's reason, say); this says what to do about it.
const MESSAGES: Readonly<Record<number, string>> = {
  403: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  404: 'There is nothing at this address. The link may be old, or the entry deleted.',
  405: 'This address does not answer that kind of request.',
  413: 'That was more than this site accepts in one go.',
};
const messageFor = (status: number) =>
  MESSAGES[status] ??
  (status >= 500
    ? 'The site failed to answer. Please try again in a moment.'
    : 'Please go back and try again.');

/**
 * The site's error pages, in its own layout: every 4xx and 5xx response a browser gets (the
 * router's 404, `csrf()`'s 403, …) and a 500 for a crash, whose stack goes to `tsgi.errors`.
 * The status and headers (`Allow`, `Retry-After`) stay; only the body changes, and only for
 * clients that prefer HTML. A 422 is the site's own form page with its errors, and passes.
 * It sits inside `session()`: the layout shows who is signed in.
 */
export function sitePages(links: readonly NavLink[]): Middleware {
  return (app: App): App =>
    (environ, startResponse) => {
      const wantsHtml = preferredType(environ.HTTP_ACCEPT, ['text/html', 'application/json']) === 'text/html';
      const page = (status: number) =>
        String(errorPage(pageContext(environ, links, { flashes: false }), status, messageFor(status)));
      const pass = (response: Captured) => {
        if (response.code < 400 || response.code === 422 || !wantsHtml) return send(response, startResponse);
        response.setHeader('Content-Type', 'text/html; charset=utf-8');
        response.deleteHeader('Content-Length');
        response.replaceBody([page(response.code)]);
        return send(response, startResponse);
      };
      const crashed = (error: unknown) => {
        if (!wantsHtml) throw error; // errors() outside logs it and answers in JSON
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        environ['tsgi.errors'].write(
          `site: ${environ.REQUEST_METHOD} ${JSON.stringify(environ.PATH_INFO)}: ${detail}\n`,
        );
        startResponse(statusLine(500), [['Content-Type', 'text/html; charset=utf-8']]);
        return [page(500)];
      };
      try {
        const answered = andThen(capture(app, environ), pass);
        return answered instanceof Promise ? answered.catch(crashed) : answered;
      } catch (error) {
        return crashed(error);
      }
    };
}
