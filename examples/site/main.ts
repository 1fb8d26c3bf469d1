/**
 * The example site, served by `npm start` on http://localhost:8000: a guestbook with sign-up,
 * log-in and CSRF-checked forms. Everything lives in memory unless `REDIS_URL` is set.
 * See README.md beside this file.
 */
import { serve } from '@tsgi/core';
import { redisStore } from '@tsgi/middleware/session';
import { readConfig } from './config.js';
import { createSite } from './site.js';
import { redisStorage, type Storage } from './storage.js';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig(process.env, process.argv.slice(2));
} catch (error) {
  console.error(`examples/site: ${(error as Error).message}`);
  process.exit(2);
}
if (config.workers > 1) {
  // serve(app, { workers }) is on branch server-cli, not in main yet
  console.error('examples/site: --workers is not available yet (serve() has no workers in this build)');
  process.exit(2);
}
if (config.randomKey) {
  console.log('SESSION_KEYS is not set: signing sessions with a random key (they end when the site stops)');
}

let storage: Storage | undefined;
let store: ReturnType<typeof redisStore> | undefined;
if (config.redisUrl !== undefined) {
  // `redis` is an optional dependency: loaded only when asked for
  const { createClient } = await import('redis');
  const client = createClient({ url: config.redisUrl });
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await client.connect();
  storage = redisStorage(client);
  store = redisStore({ url: config.redisUrl });
  console.log(`Sessions, users and entries in Redis at ${config.redisUrl}`);
}

await serve(createSite({ keys: config.keys, storage, store }), { port: config.port, announce: true });
