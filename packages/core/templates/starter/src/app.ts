/**
 * The site: a router with a page and a JSON route, inside the session and error middleware.
 * Every piece is a tsgi app (`app(environ, startResponse)`); `npm start` serves the default export
 * with the `tsgi` CLI (`tsgi serve src/app.ts`).
 */
import { randomBytes } from 'node:crypto';
import { type Environ, handler, html, Response } from '@tsgi/core';
import { compose, errors } from '@tsgi/middleware';
import { getSession, memoryStore, session } from '@tsgi/middleware/session';
import { router } from '@tsgi/router';

/** Counts this visitor's requests in their session (one cookie, signed; the data stays here). */
function countVisit(environ: Environ): number {
  const data = getSession(environ);
  const visits = (data.get<number>('visits') ?? 0) + 1;
  data.set('visits', visits);
  return visits;
}

const pages = router()
  .get(
    '/',
    handler(({ environ }) => {
      const visits = countVisit(environ);
      return Response.html(html`<!doctype html>
        <title>Hello from tsgi</title>
        <h1>Hello from tsgi</h1>
        <p>This is your visit number ${visits}. The same count as JSON: <a href="/api/visits">/api/visits</a>.</p>`);
    }),
  )
  .get(
    '/api/visits',
    handler(({ environ }) => Response.json({ visits: getSession(environ).get<number>('visits') ?? 0 })),
  );

// Signing keys for the session cookie: SESSION_KEYS (comma-separated, newest first) in production.
// Without it, a random key per process: enough for the memory store, which forgets on restart anyway.
const keys = process.env.SESSION_KEYS?.split(',') ?? [randomBytes(32).toString('base64url')];

/** The whole site: errors() turns a crash into a plain 500; session() keeps each visitor's data. */
export const app = compose(errors(), session({ keys, store: memoryStore() }))(pages);
export default app;
