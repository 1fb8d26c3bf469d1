import { type App, currentEnviron, fromFetch, rawScriptName, requestContext } from '@tsgi/core';
import { Hono } from 'hono';
import { html } from 'hono/html';

/**
 * A Hono app, mounted at `/hono` through `fromFetch`. Hono sees the path inside its mount
 * (`/hello/ada`); `requestContext()` around it lets a handler read the mount point from the
 * environ (`rawScriptName(currentEnviron())`: SCRIPT_NAME as sent) to link back into it.
 */
export function honoApp(): App {
  const base = () => rawScriptName(currentEnviron()); // SCRIPT_NAME, still percent-encoded
  const hono = new Hono()
    .get('/', (c) =>
      c.html(html`<!doctype html><title>Hono, mounted</title>
<h1>Hello from Hono</h1>
<p>This page is a Hono app inside a tsgi process, mounted at <code>${base()}</code>.</p>
<ul><li><a href="${base()}/hello/ada">${base()}/hello/ada</a></li><li><a href="${base()}/hello/grace">${base()}/hello/grace</a></li></ul>`),
    )
    .get('/hello/:name', (c) => c.json({ hello: c.req.param('name'), from: 'hono', back: `${base()}/` }));
  return requestContext()(fromFetch(hono.fetch));
}
