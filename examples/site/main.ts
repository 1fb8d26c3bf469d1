/**
 * The example site, served by `npm start` on http://localhost:8000.
 * For now it is examples/hello (the three app shapes, Request/Response, html templates);
 * the full site (router, sessions, static files) grows here as the middleware package lands.
 */
import { serve } from '@tsgi/core';
import { app } from '../hello/app.js';

await serve(app, { port: Number(process.env.PORT ?? 8000), announce: true });
