// The two halves of a session's request: load it before the app runs, commit it after.
import type { Environ } from '@tsgi/core';
import { type CookieAttributes, serializeCookie } from '../cookie-header.js';
import { type SigningKeys, sign, type Verified } from '../cookie-signing.js';
import { getCookies } from '../cookies.js';
import type { SessionOptions } from './session.js';
import { Session } from './session-state.js';
import { type SessionRecord, type SessionStore, StoreUnavailable, within } from './store.js';

/** What load and commit need of the session options, checked. */
export interface Context {
  store: SessionStore;
  keys: SigningKeys;
  name: string;
  maxAgeMs: number;
  idleMs: number | undefined;
  rolling: boolean;
  timeout: number;
  cookie: NonNullable<SessionOptions['cookie']>;
  /** `verify` for the id cookie under `keys`, remembering ids that verified (verified-cache.ts). */
  verifyId: (signed: string | undefined) => Verified;
  /** The store's synchronous read, when it has one (the memory store): see store.ts. */
  readNow: ((id: string) => SessionRecord | undefined) | undefined;
}

export interface Loaded {
  state: Session;
  /** The id the cookie carried (server stores), to know when the cookie must change. */
  sentId: string | undefined;
  /** An older key opened it: send it again under the current one. */
  stale: boolean;
  /** A session cookie came with the request. */
  hadCookie: boolean;
}

function alive(record: SessionRecord, at: number): boolean {
  return at < record.expiresAt && (record.idleExpiresAt === undefined || at < record.idleExpiresAt);
}

/**
 * Reads the session the request's cookie names (a new one for anything that does not verify or
 * is over). Synchronous for the cookie store and a store with a synchronous read (the memory
 * store): the everyday request then makes no promise; a promise for any other store.
 */
export function load(context: Context, environ: Environ, at: number): Loaded | Promise<Loaded> {
  const { store, keys, name } = context;
  const raw = getCookies(environ).get(name);
  const hadCookie = raw !== undefined;
  if (store.kind === 'sealed') {
    // anything that does not open, or is past its sealed expiry, is a new empty session: no fallback
    const opened = raw === undefined ? undefined : store.unseal(raw, keys, name);
    if (opened === undefined || !alive(opened.record, at)) return fresh(at, hadCookie);
    return {
      state: new Session('sealed', opened.record, at),
      sentId: 'sealed',
      stale: opened.stale,
      hadCookie,
    };
  }
  const verified = context.verifyId(raw);
  if (verified.status !== 'valid') return fresh(at, hadCookie);
  const { value: id, stale } = verified;
  if (context.readNow !== undefined) {
    let record: SessionRecord | undefined;
    try {
      record = context.readNow(id);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailable(`session store get failed: ${reason}`, { cause: error });
    }
    return found(record, id, stale, at, hadCookie, true);
  }
  return within(store.get(id), context.timeout, 'get', store.inProcess).then((record) =>
    found(record, id, stale, at, hadCookie, false),
  );
}

function fresh(at: number, hadCookie: boolean): Loaded {
  return { state: new Session(undefined, undefined, at), sentId: undefined, stale: false, hadCookie };
}

function found(
  record: SessionRecord | undefined,
  id: string,
  stale: boolean,
  at: number,
  hadCookie: boolean,
  shared: boolean,
): Loaded {
  if (record === undefined || !alive(record, at)) return fresh(at, hadCookie);
  return { state: new Session(id, record, at, shared), sentId: id, stale, hadCookie };
}

/**
 * True when {@link commit} has nothing to do: nothing changed, ended or went stale, and no idle
 * deadline to refresh — the everyday read-only request, answered without a promise or a closure.
 */
export function quiet(context: Context, loaded: Loaded): boolean {
  const { state } = loaded;
  return (
    !state.changed &&
    !state.destroyed &&
    state.ended.length === 0 &&
    !loaded.stale &&
    !(context.rolling && context.idleMs !== undefined)
  );
}

/** Writes what changed (ends, writes or touches, each once) and returns the Set-Cookie to send, if any. */
export async function commit(
  context: Context,
  environ: Environ,
  loaded: Loaded,
  at: number,
): Promise<string | undefined> {
  const { store, keys, name, timeout } = context;
  const { state } = loaded;
  // a __Host-/__Secure- name is Secure by its rules, whatever scheme the app saw (TLS may end at a proxy)
  const secure =
    context.cookie.secure ?? (environ['tsgi.url_scheme'] === 'https' || name.toLowerCase().startsWith('__'));
  const expiresAt = state.createdAt + context.maxAgeMs;
  const idleExpiresAt = context.idleMs === undefined ? undefined : at + context.idleMs;
  const ttlMs = Math.max(1, Math.min(expiresAt, idleExpiresAt ?? expiresAt) - at);
  const cookieFor = (value: string) =>
    serializeCookie(name, value, attributesOf(context.cookie, secure, Math.ceil((expiresAt - at) / 1000)));
  const drop = () =>
    loaded.hadCookie ? serializeCookie(name, '', attributesOf(context.cookie, secure, 0)) : undefined;

  if (store.kind === 'server') {
    for (const id of state.ended)
      await within(store.destroy(id, context.maxAgeMs), timeout, 'destroy', store.inProcess);
  }
  if (!state.changed) {
    if (state.destroyed) return drop();
    if (state.isNew) return undefined; // an untouched new session writes nothing and sets no cookie
  }
  if (store.kind === 'sealed') {
    const refresh = context.rolling && context.idleMs !== undefined;
    if (!state.changed && !refresh && !loaded.stale) return undefined;
    return cookieFor(store.seal(state.record(expiresAt, idleExpiresAt), keys, name));
  }
  if (state.changed) {
    const id = state.assignId();
    const written = await within(
      store.apply(id, state.change(expiresAt, idleExpiresAt, ttlMs)),
      timeout,
      'write',
      store.inProcess,
    );
    if (!written) return drop(); // destroyed meanwhile (logged out elsewhere): stays dead
    return id !== loaded.sentId || loaded.stale ? cookieFor(sign(name, id, keys)) : undefined;
  }
  const id = state.id as string;
  if (context.rolling && idleExpiresAt !== undefined) {
    await within(store.touch(id, idleExpiresAt, ttlMs), timeout, 'touch', store.inProcess);
  }
  return loaded.stale ? cookieFor(sign(name, id, keys)) : undefined;
}

/** The session cookie's attributes from the options, with the time left as `Max-Age` (0 deletes). */
export function attributesOf(cookie: Context['cookie'], secure: boolean, maxAge: number): CookieAttributes {
  const attributes: CookieAttributes = {
    maxAge,
    secure,
    httpOnly: cookie.httpOnly ?? true,
    sameSite: cookie.sameSite ?? 'lax',
    path: cookie.path ?? '/',
  };
  if (cookie.domain !== undefined) attributes.domain = cookie.domain;
  if (maxAge === 0) attributes.expires = new Date(0);
  return attributes;
}
