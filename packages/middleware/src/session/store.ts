import type { SigningKeys } from '../cookie-signing.js';

/** What a session may hold: JSON only, so no store ever decodes a format that can run code. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A session as a store keeps it. Times are milliseconds since the epoch, on the session's clock. */
export interface SessionRecord {
  data: Record<string, Json>;
  /** When the session was created. */
  createdAt: number;
  /** The absolute end of its life (`cookie.maxAge` after creation), whatever its use. */
  expiresAt: number;
  /** The idle deadline (`idleTimeout` after last use), when there is one. */
  idleExpiresAt?: number;
  /** The user it belongs to, set with `session.setUser(id)`, for `destroyUser(id)`. */
  userId?: string;
}

/**
 * What one request changed: only these fields are written, so that two requests changing
 * different keys of one session both persist.
 */
export interface SessionChange {
  /** Keys set, with their new values. */
  set: Record<string, Json>;
  /** Keys deleted. */
  deleted: string[];
  /** True when every key not in `set` is to go (`clear()`, or a session written whole). */
  cleared: boolean;
  createdAt: number;
  expiresAt: number;
  idleExpiresAt?: number;
  /** A user set (`string`), unset (`null`), or unchanged (`undefined`). */
  userId?: string | null;
  /** How long the store should keep it: until the earlier of the two deadlines. */
  ttlMs: number;
}

/**
 * A store that keeps sessions on the server, by id: implement it to write a fourth store.
 * Each call may be slow or fail; the session middleware bounds it with its `timeout` and
 * answers 503 (logged to `tsgi.errors`) when it rejects or is late.
 * @example
 * const store: ServerStore = { kind: 'server', get, apply, touch, destroy }; // see memory-store.ts
 */
export interface ServerStore {
  readonly kind: 'server';
  /**
   * True for a store in this process that settles every call without I/O (the memory store):
   * the session then arms no timeout timer per call, since such a call cannot hang.
   */
  readonly inProcess?: boolean;
  /** The session, or undefined when unknown, expired or destroyed. */
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * Writes the changed fields only (creating the session when new) and sets its TTL.
   * Resolves false, writing nothing, when `id` was destroyed (its tombstone stands).
   */
  apply(id: string, change: SessionChange): Promise<boolean>;
  /** Refreshes the idle deadline and TTL of an unchanged session, never rewriting its data. */
  touch(id: string, idleExpiresAt: number, ttlMs: number): Promise<void>;
  /** Ends a session and keeps a tombstone for `ttlMs`, so that no late write brings it back. */
  destroy(id: string, ttlMs: number): Promise<void>;
  /** Ends every session of a user (`session.setUser(id)`): log out everywhere. */
  destroyUser?(userId: string): Promise<void>;
}

/**
 * The synchronous read of a store in this process (the memory store registers one): the record
 * as the store holds it, not a copy — the session copies a value only when the app takes an
 * object out of it — so a read-only request runs with no promise and no copy. Internal: a
 * WeakMap, looked up once when `session()` is made, not per request.
 */
const syncReads = new WeakMap<ServerStore, (id: string) => SessionRecord | undefined>();

/** @internal registers `read` as `store`'s synchronous read (see {@link syncReadOf}). */
export function registerSyncRead(store: ServerStore, read: (id: string) => SessionRecord | undefined): void {
  syncReads.set(store, read);
}

/** @internal the store's synchronous read, when it has one. */
export function syncReadOf(store: ServerStore): ((id: string) => SessionRecord | undefined) | undefined {
  return syncReads.get(store);
}

/** A store that keeps the whole session in the cookie, sealed (see `cookieStore()`). */
export interface SealedStore {
  readonly kind: 'sealed';
  /** The record sealed into a cookie value with the first key. */
  seal(record: SessionRecord, keys: SigningKeys, cookieName: string): string;
  /** The record, or undefined for anything that does not open with one of the keys. `stale`: an older key opened it. */
  unseal(
    value: string,
    keys: SigningKeys,
    cookieName: string,
  ): { record: SessionRecord; stale: boolean } | undefined;
}

/** Where sessions live: on the server by id, or sealed in the cookie. */
export type SessionStore = ServerStore | SealedStore;

/** A store call that failed or took too long: the request is answered 503. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
}

/**
 * `work`, or a {@link StoreUnavailable} when it rejects or takes longer than `ms`: a store that
 * is down or slow never hangs a request (connect-redis#88).
 * @example const record = await within(store.get(id), 2000, 'get');
 */
export function within<T>(work: Promise<T>, ms: number, what: string, inProcess = false): Promise<T> {
  if (inProcess) {
    return work.catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailable(`session store ${what} failed: ${reason}`, { cause: error });
    });
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StoreUnavailable(`session store ${what} took over ${ms} ms`)),
      ms,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        const reason = error instanceof Error ? error.message : String(error);
        reject(new StoreUnavailable(`session store ${what} failed: ${reason}`, { cause: error }));
      },
    );
  });
}
