import {
  type App,
  type Body,
  capture,
  type Environ,
  type Middleware,
  ServiceUnavailable,
  send,
} from '@tsgi/core';
import { type CookieAttributes, serializeCookie } from '../cookie-header.js';
import { type SigningKeys, sign, signingKeys, verify } from '../cookie-signing.js';
import { getCookies } from '../cookies.js';
import { memoryStore } from './memory-store.js';
import { Session } from './session-state.js';
import { type SessionRecord, type SessionStore, StoreUnavailable, within } from './store.js';

/** Options of {@link session}. Times are in seconds, as in `Max-Age`, except `timeout` (ms). */
export interface SessionOptions {
  /** Where sessions live. Default `memoryStore()` (one process only). */
  store?: SessionStore;
  /** `[current, ...older]`, each at least 32 bytes: sign the id cookie (and seal the cookie store). */
  keys: ReadonlyArray<string | Uint8Array>;
  cookie?: {
    /** Default `sid`. */
    name?: string;
    /** The absolute lifetime from creation, enforced by the server and sent as `Max-Age`. Default 7 days. */
    maxAge?: number;
    /** Default `'lax'`. */
    sameSite?: 'lax' | 'strict' | 'none';
    /** Default: true when the request came over HTTPS. */
    secure?: boolean;
    /** Default true. */
    httpOnly?: boolean;
    domain?: string;
    /** Default `/`. */
    path?: string;
  };
  /** The server-side idle limit: a session unused this long is over. Default none. */
  idleTimeout?: number;
  /** Refresh the idle limit on every use (a `touch`, never a rewrite of the data). Default true. */
  rolling?: boolean;
  /** Milliseconds a store call may take before the request is answered 503. Default 2000. */
  timeout?: number;
  /** The clock, in ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number;
}

const SESSION = 'session.state';

/**
 * The request's session (see {@link session}).
 * @example const user = getSession(environ).get('user');
 */
export function getSession(environ: Environ): Session {
  const state = environ[SESSION];
  if (!(state instanceof Session)) throw new TypeError('getSession() needs session({ keys }) around the app');
  return state;
}

function positive(value: unknown, option: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`session: ${option} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * Sessions: a signed id cookie and a server-side store, or the data sealed in the cookie.
 * The store is read before the app runs and written — only what changed, exactly once —
 * before the response head goes out, so a redirect after login never beats its session.
 * A thrown HTTPError still saves (a flash survives a 4xx); any other throw saves nothing.
 * A store that fails or is slower than `timeout` is a 503, the reason logged to `tsgi.errors`.
 * Not for: APIs that authenticate each request with a token (no cookie, no CSRF to defend).
 * @example
 * const app = session({ keys: [process.env.SESSION_KEY!], store: memoryStore() })((environ, startResponse) => {
 *   const s = getSession(environ);
 *   s.set('visits', (s.get<number>('visits') ?? 0) + 1);
 *   startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *   return [`visit ${s.get('visits')}`];
 * });
 */
export function session(options: SessionOptions): Middleware {
  const keys = signingKeys(options?.keys, 'session: keys');
  const store = options.store ?? memoryStore();
  if (store?.kind !== 'server' && store?.kind !== 'sealed') {
    throw new TypeError(
      'session: store must be a session store (memoryStore(), cookieStore(), redisStore())',
    );
  }
  const cookie = options.cookie ?? {};
  const name = cookie.name ?? 'sid';
  const maxAgeMs = (positive(cookie.maxAge, 'cookie.maxAge', 7 * 24 * 3600) as number) * 1000;
  const idleMs = positive(options.idleTimeout, 'idleTimeout', undefined);
  const rolling = options.rolling ?? true;
  const timeout = positive(options.timeout, 'timeout', 2000) as number;
  const now = options.now ?? Date.now;
  // checks name, domain, path and the prefix rules at start-up, not on the first request
  serializeCookie(name, 'x', attributesOf(cookie, cookie.secure ?? name.toLowerCase().startsWith('__'), 1));
  const context: Context = {
    store,
    keys,
    name,
    maxAgeMs,
    idleMs: idleMs && idleMs * 1000,
    rolling,
    timeout,
    cookie,
  };

  return (app: App): App =>
    async (environ, startResponse) => {
      const at = now();
      let loaded: Loaded;
      try {
        loaded = await load(context, environ, at);
      } catch (error) {
        return unavailable(error, environ, startResponse);
      }
      const state = loaded.state;
      environ[SESSION] = state;
      let response: Awaited<ReturnType<typeof capture>>;
      try {
        response = await capture(app, environ);
      } catch (error) {
        state.seal(); // not saved: the app failed
        throw error;
      }
      let setCookie: string | undefined;
      try {
        setCookie = await commit(context, environ, loaded, at);
      } catch (error) {
        state.seal();
        void response.body.close?.();
        if (error instanceof StoreUnavailable) return unavailable(error, environ, startResponse);
        throw error;
      }
      state.seal();
      if (setCookie !== undefined) response.appendHeader('Set-Cookie', setCookie);
      // the store write is done: only now may the head go out
      return send(response, startResponse);
    };
}

interface Context {
  store: SessionStore;
  keys: SigningKeys;
  name: string;
  maxAgeMs: number;
  idleMs: number | undefined;
  rolling: boolean;
  timeout: number;
  cookie: NonNullable<SessionOptions['cookie']>;
}

interface Loaded {
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

async function load(context: Context, environ: Environ, at: number): Promise<Loaded> {
  const { store, keys, name } = context;
  const raw = getCookies(environ).get(name);
  const hadCookie = raw !== undefined;
  if (store.kind === 'sealed') {
    // anything that does not open, or is past its sealed expiry, is a new empty session: no fallback
    const opened = raw === undefined ? undefined : store.unseal(raw, keys, name);
    if (opened === undefined || !alive(opened.record, at)) {
      return { state: new Session(undefined, undefined, at), sentId: undefined, stale: false, hadCookie };
    }
    return {
      state: new Session('sealed', opened.record, at),
      sentId: 'sealed',
      stale: opened.stale,
      hadCookie,
    };
  }
  const verified = verify(name, raw, keys);
  if (verified.status !== 'valid') {
    return { state: new Session(undefined, undefined, at), sentId: undefined, stale: false, hadCookie };
  }
  const record = await within(store.get(verified.value), context.timeout, 'get');
  if (record === undefined || !alive(record, at)) {
    return { state: new Session(undefined, undefined, at), sentId: undefined, stale: false, hadCookie };
  }
  return {
    state: new Session(verified.value, record, at),
    sentId: verified.value,
    stale: verified.stale,
    hadCookie,
  };
}

/** Writes what changed and returns the Set-Cookie to send, if any. */
async function commit(
  context: Context,
  environ: Environ,
  loaded: Loaded,
  at: number,
): Promise<string | undefined> {
  const { store, keys, name, timeout } = context;
  const { state } = loaded;
  const secure = context.cookie.secure ?? environ['tsgi.url_scheme'] === 'https';
  const expiresAt = state.createdAt + context.maxAgeMs;
  const idleExpiresAt = context.idleMs === undefined ? undefined : at + context.idleMs;
  const ttlMs = Math.max(1, Math.min(expiresAt, idleExpiresAt ?? expiresAt) - at);
  const cookieFor = (value: string) =>
    serializeCookie(name, value, attributesOf(context.cookie, secure, Math.ceil((expiresAt - at) / 1000)));
  const drop = () =>
    loaded.hadCookie ? serializeCookie(name, '', attributesOf(context.cookie, secure, 0)) : undefined;

  if (store.kind === 'server') {
    for (const id of state.ended) await within(store.destroy(id, context.maxAgeMs), timeout, 'destroy');
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
    );
    if (!written) return drop(); // destroyed meanwhile (logged out elsewhere): stays dead
    return id !== loaded.sentId || loaded.stale ? cookieFor(sign(name, id, keys)) : undefined;
  }
  const id = state.id as string;
  if (context.rolling && idleExpiresAt !== undefined) {
    await within(store.touch(id, idleExpiresAt, ttlMs), timeout, 'touch');
  }
  return loaded.stale ? cookieFor(sign(name, id, keys)) : undefined;
}

function attributesOf(cookie: Context['cookie'], secure: boolean, maxAge: number): CookieAttributes {
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

function unavailable(error: unknown, environ: Environ, startResponse: Parameters<App>[1]): Body {
  const reason = error instanceof Error ? error.message : String(error);
  environ['tsgi.errors'].write(`session: ${reason}\n`);
  const answer = new ServiceUnavailable('The session store is unavailable; try again shortly', {
    cause: error,
    headers: [['Retry-After', '1']],
  });
  return answer(environ, startResponse);
}
