/** Serves the site: `npm start`, then open http://127.0.0.1:8000 (PORT and HOST override). */
import { serve } from '@tsgi/core';
import { app } from './app.js';

await serve(app, {
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8000),
  announce: true,
});
