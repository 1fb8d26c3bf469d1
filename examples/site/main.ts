/**
 * The example site, served by `npm start` on http://localhost:8000: a guestbook with sign-up,
 * log-in and CSRF-checked forms. Everything lives in memory unless `REDIS_URL` is set; then
 * `npm start -- --workers 2` runs two worker processes. See README.md beside this file.
 */
import cluster from 'node:cluster';
import { type App, serve } from '@tsgi/core';
import type { LogStream } from '@tsgi/middleware';
import { redisStore } from '@tsgi/middleware/session';
import { readConfig, type SiteConfig } from './config.js';
import { createSite } from './site.js';
import { redisStorage } from './storage.js';

let config: SiteConfig;
try {
  config = readConfig(process.env, process.argv.slice(2));
} catch (error) {
  console.error(`examples/site: ${(error as Error).message}`);
  process.exit(2);
}
if (config.randomKey) {
  console.log('SESSION_KEYS is not set: signing sessions with a random key (they end when the site stops)');
  // workers re-run this script with the primary's environment: they sign with the same key
  process.env.SESSION_KEYS = config.keys.join(',');
}

const idle: App = () => {
  throw new Error('the primary serves no requests');
};

/** The site, its storage and sessions in Redis when REDIS_URL is set. */
async function buildSite(config: SiteConfig, log: LogStream): Promise<App> {
  if (config.redisUrl === undefined) return createSite({ keys: config.keys, log });
  // `redis` is an optional dependency: loaded only when asked for
  const { createClient } = await import('redis');
  let connected = false;
  const client = createClient({
    url: config.redisUrl,
    // at start, a Redis that is not there is a mistake to report; later, an outage to wait out
    socket: {
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 5000) : cause),
    },
  });
  client.on('error', (error: Error) => {
    if (connected) console.error(`redis: ${error.message}`);
  });
  try {
    await client.connect();
  } catch (error) {
    console.error(
      `examples/site: cannot reach Redis at ${config.redisUrl} (REDIS_URL): ${(error as Error).message}`,
    );
    process.exit(2);
  }
  connected = true;
  if (cluster.isPrimary) console.log(`Sessions, users and entries in Redis at ${config.redisUrl}`);
  return createSite({
    keys: config.keys,
    storage: redisStorage(client),
    store: redisStore({ url: config.redisUrl }),
    log,
  });
}

// each worker's access log lines name the process that answered
const log: LogStream = cluster.isPrimary
  ? process.stdout
  : { write: (line: string) => process.stdout.write(`[worker ${process.pid}] ${line}`) };
try {
  if (config.workers === 1) {
    await serve(await buildSite(config, log), { port: config.port, announce: true });
  } else {
    // the primary forks and supervises the workers, and never calls the app: it builds none
    const app = cluster.isPrimary ? idle : await buildSite(config, log);
    await serve(app, { port: config.port, announce: true, workers: config.workers });
  }
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.error(
    `examples/site: port ${config.port} is in use; stop what runs there, or pick another: PORT=${config.port + 1} npm start`,
  );
  process.exit(2);
}
