import { type App, fromNode } from '@tsgi/core';
import express from 'express';

/**
 * An Express app, mounted at `/legacy` through `fromNode`: Express sees `req.baseUrl` as the
 * mount point, exactly as under `app.use('/legacy', sub)`, and links with it.
 */
export function legacyApp(): App {
  const app = express();
  app.get('/', (req, res) => {
    res.type('html').send(`<!doctype html><title>Express, mounted</title>
<h1>Hello from Express</h1>
<p>An Express app inside a tsgi process, mounted at <code>${req.baseUrl}</code>.</p>
<ul><li><a href="${req.baseUrl}/time">${req.baseUrl}/time</a></li><li><a href="${req.baseUrl}/old-page">${req.baseUrl}/old-page</a> (redirects)</li></ul>`);
  });
  app.get('/time', (_req, res) => {
    res.json({ now: new Date().toISOString(), from: 'express' });
  });
  app.get('/old-page', (req, res) => {
    res.redirect(`${req.baseUrl}/time`); // inside the mount; '/time' would leave it
  });
  return fromNode(app);
}
