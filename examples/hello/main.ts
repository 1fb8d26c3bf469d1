/**
 * Serves examples/hello:
 *   node --conditions=tsgi-source --import tsx examples/hello/main.ts
 * then try /, /countdown?from=5, /visits, /greet?name=Ada, and
 *   curl -X POST -H 'Content-Type: application/json' -d '{"hi":1}' localhost:8000/echo
 *   curl -F file=@package.json localhost:8000/upload
 */
import { serve } from '@tsgi/core';
import { app } from './app.js';

await serve(app, { port: Number(process.env.PORT ?? 8000), announce: true });
