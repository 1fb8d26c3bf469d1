import { type App, escapeHtml, fromNode } from '@tsgi/core';
import express from 'express';

/**
 * An Express app, mounted at `/legacy` through `fromNode`: Express sees `req.baseUrl` as the
 * mount point, exactly as under `app.use('/legacy', sub)`, and links with it.
 */
export function legacyApp(): App {
  const app = express();
  app.get('/', (req, res) => {
    const base = escapeHtml(req.baseUrl); // a mount prefix with parameters carries the client's text
    res.type('html').send(`<!doctype html><title>Express, mounted</title>
<h1>Hello from Express</h1>
<p>An Express app inside a tsgi process, mounted at <code>${base}</code>.</p>
<ul><li><a href="${base}/time">${base}/time</a></li><li><a href="${base}/old-page">${base}/old-page</a> (redirects)</li></ul>`);
  });
  app.get('/time', (_req, res) => {
    res.json({ now: new Date().toISOString(), from: 'express' });
  });
  app.get('/old-page', (req, res) => {
    res.redirect(`${req.baseUrl}/time`); // inside the mount; '/time' would leave it
  });
  return fromNode(app);
}
