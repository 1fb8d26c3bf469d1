import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

/** How `npm start` runs the site, from the environment and the command line. */
export interface SiteConfig {
  /** `PORT`, default 8000 (0 picks a free one). */
  readonly port: number;
  /** `REDIS_URL`: sessions, users and entries in Redis (shared by every worker). */
  readonly redisUrl: string | undefined;
  /** `SESSION_KEYS`, comma-separated, newest first; or one random key made at start. */
  readonly keys: readonly string[];
  /** True when the key was made at start: sessions then end when the site stops. */
  readonly randomKey: boolean;
  /** `--workers N`, default 1. */
  readonly workers: number;
}

/**
 * Reads and checks the configuration; a bad value throws an Error naming the variable or flag.
 * @example const config = readConfig(process.env, process.argv.slice(2));
 */
export function readConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): SiteConfig {
  const { values } = parseArgs({ args: [...argv], options: { workers: { type: 'string' } }, strict: true });
  const port = Number(env.PORT ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0 to 65535), got ${JSON.stringify(env.PORT)}`);
  }
  const workers = Number(values.workers ?? 1);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(`--workers must be a whole number from 1 to 64, got ${JSON.stringify(values.workers)}`);
  }
  const redisUrl = env.REDIS_URL === undefined || env.REDIS_URL === '' ? undefined : env.REDIS_URL;
  if (workers > 1 && redisUrl === undefined) {
    throw new Error(
      '--workers needs REDIS_URL: each worker would keep its own sessions and entries in memory',
    );
  }
  const given = (env.SESSION_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  for (const key of given) {
    if (Buffer.byteLength(key) < 32) throw new Error('SESSION_KEYS: each key must be at least 32 bytes');
  }
  const keys = given.length > 0 ? given : [randomBytes(32).toString('base64url')];
  return { port, redisUrl, keys, randomKey: given.length === 0, workers };
}
