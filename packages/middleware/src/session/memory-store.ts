import { copyJson, copyRecord } from './copy-json.js';
import {
  type Json,
  registerSyncRead,
  type ServerStore,
  type SessionChange,
  type SessionRecord,
} from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The most sessions kept; the least recently used goes first. Default 10 000. */
  max?: number;
  /** The longest (seconds) an entry is kept, whatever the session's own expiry. Default 14 days. */
  ttl?: number;
  /** How often (ms) expired entries are swept. Default 60 000. */
  sweepInterval?: number;
  /** The clock, in ms (for tests). Default `Date.now`. */
  now?: () => number;
}

/** The memory store, with `destroyUser` and `close()` (stops the sweep timer). */
export interface MemoryStore extends ServerStore {
  destroyUser(userId: string): Promise<void>;
  /** Sessions held (tombstones not counted). */
  readonly size: number;
  close(): void;
}

interface Entry {
  record: SessionRecord;
  until: number;
}

/**
 * Sessions in this process's memory: the embedded default. For ONE process only — every
 * worker of a cluster would have its own sessions, and a restart loses them all (use
 * `redisStore()` then). Bounded (least recently used evicted past `max`), expired lazily on
 * read and by a sweep timer that does not keep the process alive. Writes apply the changed
 * keys only, so concurrent requests changing different keys both persist; a destroyed id
 * keeps a tombstone until its expiry, so a late write cannot bring it back.
 * @example session({ keys, store: memoryStore({ max: 50_000 }) })
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? 10_000;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new TypeError(`memoryStore: max must be a positive integer, got ${max}`);
  const ttl = options.ttl ?? 14 * 24 * 3600;
  if (typeof ttl !== 'number' || !(ttl > 0))
    throw new TypeError(`memoryStore: ttl must be a positive number of seconds, got ${String(ttl)}`);
  const sweepInterval = options.sweepInterval ?? 60_000;
  if (typeof sweepInterval !== 'number' || !(sweepInterval >= 1) || sweepInterval > 2 ** 31 - 1) {
    throw new TypeError(
      `memoryStore: sweepInterval must be a positive number of ms, got ${String(sweepInterval)}`,
    );
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('memoryStore: now must be a function returning ms');
  const entries = new Map<string, Entry>(); // in use order: the first is the least recently used
  const tombstones = new Map<string, number>();
  const users = new Map<string, Set<string>>();
  const cap = (ms: number) => now() + Math.min(ms, ttl * 1000);

  const live = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry === undefined) return undefined;
    entries.delete(id);
    if (entry.until <= now()) {
      unindex(id, entry.record.userId);
      return undefined;
    }
    entries.set(id, entry); // most recently used now
    return entry;
  };
  const dead = (id: string): boolean => {
    const until = tombstones.get(id);
    if (until === undefined) return false;
    if (until > now()) return true;
    tombstones.delete(id);
    return false;
  };
  const unindex = (id: string, userId: string | undefined) => {
    if (userId === undefined) return;
    const ids = users.get(userId);
    ids?.delete(id);
    if (ids?.size === 0) users.delete(userId);
  };
  const end = (id: string, ms: number) => {
    const entry = entries.get(id);
    entries.delete(id);
    unindex(id, entry?.record.userId);
    tombstones.set(id, Math.max(cap(ms), entry?.until ?? 0));
    while (tombstones.size > max) tombstones.delete(tombstones.keys().next().value as string);
  };
  const sweep = () => {
    const at = now();
    for (const [id, entry] of entries) if (entry.until <= at) live(id);
    for (const [id, until] of tombstones) if (until <= at) tombstones.delete(id);
  };
  const timer = setInterval(sweep, sweepInterval);
  timer.unref();

  const store: MemoryStore = {
    kind: 'server',
    inProcess: true,
    get size() {
      return entries.size;
    },
    async get(id) {
      const entry = live(id);
      return entry === undefined ? undefined : copyRecord(entry.record);
    },
    async apply(id, change: SessionChange) {
      if (dead(id)) return false;
      const entry = live(id);
      const data: Record<string, Json> = change.cleared || entry === undefined ? {} : entry.record.data;
      Object.assign(data, copyJson(change.set));
      for (const key of change.deleted) delete data[key];
      const record: SessionRecord = { data, createdAt: change.createdAt, expiresAt: change.expiresAt };
      if (change.idleExpiresAt !== undefined) record.idleExpiresAt = change.idleExpiresAt;
      const userId = change.userId === undefined ? entry?.record.userId : (change.userId ?? undefined);
      if (userId !== entry?.record.userId) unindex(id, entry?.record.userId);
      if (userId !== undefined) {
        record.userId = userId;
        users.set(userId, (users.get(userId) ?? new Set()).add(id));
      }
      entries.delete(id);
      entries.set(id, { record, until: cap(change.ttlMs) });
      while (entries.size > max) {
        const [oldest, evicted] = entries.entries().next().value as [string, Entry];
        entries.delete(oldest);
        unindex(oldest, evicted.record.userId);
      }
      return true;
    },
    async touch(id, idleExpiresAt, ttlMs) {
      const entry = live(id);
      if (entry === undefined || dead(id)) return;
      entry.record.idleExpiresAt = idleExpiresAt;
      entry.until = cap(ttlMs);
    },
    async destroy(id, ttlMs) {
      end(id, ttlMs);
    },
    async destroyUser(userId) {
      for (const id of [...(users.get(userId) ?? [])]) end(id, ttl * 1000);
      users.delete(userId);
    },
    close() {
      clearInterval(timer);
    },
  };
  // the session's read path: the record itself, which apply() never changes in place below the
  // top level (it assigns fresh copies), and the session never changes at all
  registerSyncRead(store, (id) => live(id)?.record);
  return store;
}
