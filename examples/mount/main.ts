/**
 * Several apps in one process: `npm run start:mount` serves them on http://localhost:8000
 * (`PORT` overrides). See README.md beside this file.
 */
import { randomBytes } from 'node:crypto';
import { serve } from '@tsgi/core';
import { createMountExample } from './app.js';

const keys = process.env.SESSION_KEYS?.split(',') ?? [randomBytes(32).toString('base64url')];
await serve(createMountExample({ keys }), { port: Number(process.env.PORT ?? 8000), announce: true });
