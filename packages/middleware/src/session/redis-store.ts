import { createHash } from 'node:crypto';
import { type Json, type ServerStore, type SessionRecord, within } from './store.js';

/**
 * What the store needs of a node-redis client (`redis@6`'s `createClient()` gives it): only
 * `sendCommand`, so that this module never imports `redis` itself.
 */
export interface RedisClientLike {
  sendCommand<T = unknown>(
    args: ReadonlyArray<string>,
    options?: { abortSignal?: AbortSignal; timeout?: number },
  ): Promise<T>;
}

/** Options of {@link redisStore}: a connected `client`, or a `url` to connect to. */
export interface RedisStoreOptions {
  /** A connected node-redis client (`await createClient({ url }).connect()`). */
  client?: RedisClientLike;
  /** Connect to this URL on first use instead (imports `redis` then, lazily). */
  url?: string;
  /** Prefix of every key. Default `tsgi:sess:`. */
  prefix?: string;
  /** Milliseconds per command before it is abandoned (and the request answered 503). Default 2000. */
  timeout?: number;
}

/** The Redis store, with `destroyUser`. */
export interface RedisStore extends ServerStore {
  destroyUser(userId: string): Promise<void>;
}

// One hash per session: `d:<key>` holds a JSON value, `m:*` the times and the user. Scripts make
// each write atomic with its tombstone check: a destroyed id is never written again.
const APPLY = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local before = redis.call('HGET', KEYS[1], 'm:u')
if ARGV[2] == '1' then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, 2) == 'd:' then redis.call('HDEL', KEYS[1], field) end
  end
end
local nset = tonumber(ARGV[3])
local ndel = tonumber(ARGV[4])
if nset > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + nset * 2)) end
if ndel > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 6 + nset * 2, 5 + nset * 2 + ndel)) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
-- a session that changed hands leaves its old user's index, or destroyUser(old) would end it
if before and before ~= redis.call('HGET', KEYS[1], 'm:u') then redis.call('SREM', KEYS[3] .. before, KEYS[4]) end
if ARGV[5] ~= '' then
  local index = KEYS[3] .. ARGV[5]
  redis.call('SADD', index, KEYS[4])
  if redis.call('PTTL', index) < tonumber(ARGV[1]) then redis.call('PEXPIRE', index, ARGV[1]) end
end
return 1`;
const TOUCH = `
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'm:i', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;
const DESTROY = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('DEL', KEYS[1])
return 1`;
const DESTROY_USER = `
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do
  local left = redis.call('PTTL', ARGV[1] .. id)
  if left > 0 then redis.call('SET', ARGV[1] .. 'dead:' .. id, '1', 'PX', left) end
  redis.call('DEL', ARGV[1] .. id)
end
redis.call('DEL', KEYS[1])
return #ids`;

/**
 * Sessions in Redis, for several processes or machines: one hash per session under `prefix`,
 * its TTL Redis's own (Redis 7.0 has no per-field expiry, so the TTL is the key's). A write
 * sets the changed fields (HSET), removes the deleted ones (HDEL) and renews the TTL, in one
 * script that first checks the id's tombstone. Every command has a `timeout`; one that fails
 * or is late makes the request a 503 (never a hang, never an empty or someone else's session).
 * `destroyUser(id)` ends every session of a user. Needs the optional peer `redis@6`; given a
 * `url`, it imports `redis` and connects when built (never at import time).
 * @example
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * session({ keys, store: redisStore({ client }) });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const prefix = options?.prefix ?? 'tsgi:sess:';
  const timeout = options?.timeout ?? 2000;
  if (typeof prefix !== 'string') throw new TypeError('redisStore: prefix must be a string');
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 2 ** 31 - 1)
    throw new TypeError(`redisStore: timeout must be a positive number of ms, got ${String(timeout)}`);
  if (options?.client === undefined && typeof options?.url !== 'string') {
    throw new TypeError('redisStore: give a connected node-redis `client`, or a `url`');
  }
  let client: Promise<RedisClientLike> | undefined =
    options.client === undefined ? undefined : Promise.resolve(options.client);
  const connect = (): Promise<RedisClientLike> => {
    client ??= import('redis').then(async ({ createClient }) => {
      const created = createClient({ url: options.url as string });
      created.on('error', () => {}); // reported through the failing commands instead
      return (await created.connect()) as unknown as RedisClientLike;
    });
    // a failed first connection is retried by the next request, not remembered
    client.catch(() => {
      client = undefined;
    });
    return client;
  };
  // built means used: connect now, so the first request does not wait for the import and handshake
  if (client === undefined) void connect().catch(() => {});
  // node-redis drops a queued command at its timeout, but waits on for the reply to one already
  // sent: the race bounds that wait too. (Connecting is bounded by the session's own timeout.)
  const run = async <T>(args: string[]): Promise<T> => {
    const redis = await connect();
    const command = args[0] === 'EVAL' || args[0] === 'EVALSHA' ? 'script' : (args[0] as string);
    // node-redis's own `timeout` drops the command if still queued then (it arms its own signal:
    // a second AbortSignal.timeout of ours would be one more live timer per command)
    const sent = redis.sendCommand<T>(args, { timeout });
    return within(sent, timeout, command);
  };
  // EVALSHA: Redis keeps the scripts, so a request sends 40 hex digits instead of the script and
  // Redis does not hash its text again. NOSCRIPT (a restarted or flushed Redis) means nothing ran:
  // sending the script itself then is safe, and caches it again.
  const script = async <T>(body: string, keys: string[], args: string[]): Promise<T> => {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await run<T>(['EVALSHA', sha1(body), ...rest]);
    } catch (error) {
      if (!noScript(error)) throw error;
      return run<T>(['EVAL', body, ...rest]);
    }
  };
  const dead = (id: string) => `${prefix}dead:${id}`;

  return {
    kind: 'server',
    async get(id) {
      // RESP2 answers a flat list, RESP3 a map (an object, or a Map with a type mapping)
      const fields = await run<string[] | Map<string, string> | Record<string, string>>([
        'HGETALL',
        prefix + id,
      ]);
      const pairs = Array.isArray(fields)
        ? pairsOf(fields)
        : fields instanceof Map
          ? [...fields].map(([k, v]) => [String(k), String(v)] as [string, string])
          : Object.entries(fields ?? {});
      if (pairs.length === 0) return undefined;
      return recordOf(pairs);
    },
    async apply(id, change) {
      const set: string[] = ['m:c', String(change.createdAt), 'm:e', String(change.expiresAt)];
      if (change.idleExpiresAt !== undefined) set.push('m:i', String(change.idleExpiresAt));
      if (typeof change.userId === 'string') set.push('m:u', change.userId);
      for (const [key, value] of Object.entries(change.set)) set.push(`d:${key}`, JSON.stringify(value));
      const deleted = change.deleted.map((key) => `d:${key}`);
      if (change.userId === null) deleted.push('m:u');
      const written = await script<number>(
        APPLY,
        [prefix + id, dead(id), `${prefix}user:`, id],
        [
          String(Math.ceil(change.ttlMs)),
          change.cleared ? '1' : '0',
          String(set.length / 2),
          String(deleted.length),
          typeof change.userId === 'string' ? change.userId : '',
          ...set,
          ...deleted,
        ],
      );
      return written === 1;
    },
    async touch(id, idleExpiresAt, ttlMs) {
      await script(TOUCH, [prefix + id, dead(id)], [String(Math.ceil(ttlMs)), String(idleExpiresAt)]);
    },
    async destroy(id, ttlMs) {
      await script(DESTROY, [prefix + id, dead(id)], [String(Math.ceil(ttlMs))]);
    },
    async destroyUser(userId) {
      await script(DESTROY_USER, [`${prefix}user:${userId}`], [prefix]);
    },
  };
}

const hashes = new Map<string, string>();

/** The SHA-1 Redis names a script by (EVALSHA), computed once per script. */
function sha1(body: string): string {
  let hash = hashes.get(body);
  if (hash === undefined) {
    hash = createHash('sha1').update(body).digest('hex');
    hashes.set(body, hash);
  }
  return hash;
}

/** True for Redis's NOSCRIPT reply (as it reaches here: wrapped by `within` as the cause). */
function noScript(error: unknown): boolean {
  for (let at: unknown = error; at instanceof Error; at = at.cause) {
    if (at.message.startsWith('NOSCRIPT')) return true;
  }
  return false;
}

function pairsOf(flat: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs;
}

function recordOf(pairs: Array<[string, string]>): SessionRecord | undefined {
  const record: SessionRecord = { data: {}, createdAt: Number.NaN, expiresAt: Number.NaN };
  for (const [field, value] of pairs) {
    if (field.startsWith('d:')) record.data[field.slice(2)] = JSON.parse(value) as Json;
    else if (field === 'm:c') record.createdAt = Number(value);
    else if (field === 'm:e') record.expiresAt = Number(value);
    else if (field === 'm:i') record.idleExpiresAt = Number(value);
    else if (field === 'm:u') record.userId = value;
  }
  // a hash without its times (a touch raced a delete): not a session
  return Number.isFinite(record.createdAt) && Number.isFinite(record.expiresAt) ? record : undefined;
}
