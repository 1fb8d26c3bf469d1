import { randomBytes } from 'node:crypto';
import { copyJson } from './copy-json.js';
import type { Json, SessionChange, SessionRecord } from './store.js';

/**
 * A new session id: 256 random bits, base64url (43 characters).
 * @example const id = newSessionId();
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * One request's view of its session (what {@link getSession} returns). It records what the
 * request changed, so that only that is written, once, before the response head goes out.
 */
export class Session {
  #id: string | undefined;
  #isNew: boolean;
  #data: Map<string, Json>;
  readonly #set = new Set<string>();
  readonly #deleted = new Set<string>();
  #cleared = false;
  /** The user change of this request: set (string), unset (null), untouched (undefined). */
  #userId: string | null | undefined;
  #user: string | undefined;
  #sealed = false;
  /** Whether the app read or changed the session: its response then depends on the cookie. */
  #used = false;
  /** Ids to end when the response goes out: by regenerate() and destroy(). */
  readonly ended: string[] = [];
  /** Whether the session is to be written whole under a new id (regenerate(), or new). */
  #whole = false;
  #destroyed = false;
  readonly #now: number;
  /** When the session was created (ms): its absolute lifetime counts from here. */
  createdAt: number;

  /** Values are the store's own (a synchronous in-process read): copy an object before handing it out. */
  readonly #shared: boolean;
  /** Keys whose value is this session's own (copied out of the store, or set): no copy needed. */
  #own: Set<string> | undefined;

  /** @internal built by the session middleware; `shared`: `record` is the store's, not a copy. */
  constructor(id: string | undefined, record: SessionRecord | undefined, now: number, shared = false) {
    this.#id = id;
    this.#now = now;
    this.#isNew = record === undefined;
    this.#shared = shared;
    // a snapshot of the keys: a later write to the store (another request) does not show here
    this.#data = new Map();
    const data = record?.data;
    if (data !== undefined) for (const key of Object.keys(data)) this.#data.set(key, data[key] as Json);
    this.createdAt = record?.createdAt ?? now;
    this.#user = record?.userId;
  }

  /** The user it belongs to (see {@link setUser}). */
  get userId(): string | undefined {
    this.#used = true;
    return this.#user;
  }

  /**
   * The session id; undefined for a new session until something is stored in it, and always
   * for the cookie store (the cookie is the session).
   */
  get id(): string | undefined {
    this.#used = true;
    return this.#id;
  }

  /** True when the request brought no valid session: nothing was stored for it before. */
  get isNew(): boolean {
    this.#used = true;
    return this.#isNew;
  }

  /** The value under `key`, or undefined. */
  get<T = Json>(key: string): T | undefined {
    this.#used = true;
    const value = this.#data.get(key);
    if (this.#shared && typeof value === 'object' && value !== null && !this.#own?.has(key)) {
      // the store's own object: the app gets (and keeps) a copy it may change freely
      const copy = copyJson(value);
      this.#data.set(key, copy);
      this.#ownKey(key);
      return copy as T;
    }
    return value as T | undefined;
  }

  /** Whether `key` holds a value. */
  has(key: string): boolean {
    this.#used = true;
    return this.#data.has(key);
  }

  /** The keys held. */
  keys(): string[] {
    this.#used = true;
    return [...this.#data.keys()];
  }

  /**
   * Stores a JSON value (a copy: what is read back is what every store keeps). Throws when
   * the response head went out already (inside a streaming body: it could not be saved
   * before the head), and a TypeError for a value JSON cannot hold.
   */
  set(key: string, value: Json): void {
    this.#writable(`set(${JSON.stringify(key)})`);
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`session.set(${JSON.stringify(key)}): the value is not JSON`);
    this.#data.set(key, JSON.parse(text) as Json);
    if (this.#shared) this.#ownKey(key);
    this.#set.add(key);
    this.#deleted.delete(key);
  }

  /** Removes `key`. */
  delete(key: string): void {
    this.#writable(`delete(${JSON.stringify(key)})`);
    this.#data.delete(key);
    this.#set.delete(key);
    this.#deleted.add(key);
  }

  /** Removes every key (the session itself stays; see {@link destroy} to end it). */
  clear(): void {
    this.#writable('clear()');
    this.#data.clear();
    this.#set.clear();
    this.#deleted.clear();
    this.#cleared = true;
  }

  /** Ties the session to a user, so that the store's `destroyUser(id)` can end it. */
  setUser(userId: string | null): void {
    this.#writable('setUser()');
    this.#userId = userId;
    this.#user = userId ?? undefined;
  }

  /**
   * A new id for the same data, the old id ended: call it on login, so that an id an attacker
   * planted before (session fixation) is worth nothing after.
   */
  regenerate(): void {
    this.#writable('regenerate()');
    if (this.#id !== undefined && !this.#isNew) this.ended.push(this.#id);
    this.#id = newSessionId();
    this.#whole = true;
  }

  /**
   * Ends the session: its data goes, its id stays dead (a tombstone), the cookie is dropped.
   * Anything set afterwards starts a new session.
   */
  destroy(): void {
    this.#writable('destroy()');
    if (this.#id !== undefined && !this.#isNew) this.ended.push(this.#id);
    this.#id = undefined;
    this.#isNew = true;
    this.#data.clear();
    this.#set.clear();
    this.#deleted.clear();
    this.#cleared = false;
    this.#whole = false;
    this.#destroyed = true;
    this.#userId = undefined;
    this.#user = undefined;
    this.createdAt = this.#now; // what is set afterwards is a new session, with a life of its own
  }

  /** Whether destroy() was called (and nothing set since). */
  get destroyed(): boolean {
    return this.#destroyed && !this.changed;
  }

  /** @internal whether anything must be written. */
  get changed(): boolean {
    return (
      this.#whole ||
      this.#cleared ||
      this.#set.size > 0 ||
      this.#deleted.size > 0 ||
      this.#userId !== undefined
    );
  }

  /** @internal the fields to write; a new or regenerated session is written whole. */
  change(expiresAt: number, idleExpiresAt: number | undefined, ttlMs: number): SessionChange {
    const whole = this.#whole || this.#isNew;
    const keys = whole ? [...this.#data.keys()] : [...this.#set];
    const set: Record<string, Json> = {};
    for (const key of keys) set[key] = this.#data.get(key) as Json;
    const change: SessionChange = {
      set,
      deleted: whole ? [] : [...this.#deleted],
      cleared: whole || this.#cleared,
      createdAt: this.createdAt,
      expiresAt,
      ttlMs,
    };
    if (idleExpiresAt !== undefined) change.idleExpiresAt = idleExpiresAt;
    const userId = whole && this.#userId === undefined ? this.#user : this.#userId;
    if (userId !== undefined) change.userId = userId;
    return change;
  }

  /** @internal the whole record, for the sealed cookie. */
  record(expiresAt: number, idleExpiresAt: number | undefined): SessionRecord {
    const record: SessionRecord = {
      data: Object.fromEntries(this.#data),
      createdAt: this.createdAt,
      expiresAt,
    };
    if (idleExpiresAt !== undefined) record.idleExpiresAt = idleExpiresAt;
    if (this.#user !== undefined) record.userId = this.#user;
    return record;
  }

  /** @internal gives the new session its id when it is first written. */
  assignId(): string {
    this.#id ??= newSessionId();
    return this.#id;
  }

  /** @internal the response is being saved, its head next: no change can be saved from now on. */
  seal(): void {
    this.#sealed = true;
  }

  /** @internal whether the app read or changed the session (a `Vary: Cookie` response). */
  get used(): boolean {
    return this.#used;
  }

  #ownKey(key: string): void {
    this.#own ??= new Set();
    this.#own.add(key);
  }

  #writable(what: string): void {
    this.#used = true;
    if (this.#sealed) {
      throw new Error(
        `session.${what} after the response head went out (inside a streaming body): the session is saved before the head, so this change cannot be; make it before the response starts`,
      );
    }
  }
}
