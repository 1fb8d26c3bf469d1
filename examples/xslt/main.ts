/**
 * An RSS feed rendered to HTML by `xslt()`: `npm run start:xslt`, then open
 * http://localhost:8000 (the page) and http://localhost:8000/feed.xml (the feed).
 */
import { serve } from '@tsgi/core';
import { accessLog } from '@tsgi/middleware';
import { feedSite } from './app.js';

await serve(accessLog({ stream: process.stdout })(feedSite()), {
  port: Number(process.env.PORT ?? 8000),
  announce: true,
});
