import {
  type App,
  type Body,
  type Captured,
  capture,
  closeBody,
  type Environ,
  type Middleware,
  ServiceUnavailable,
  type StartResponse,
  send,
} from '@tsgi/core';
import { serializeCookie } from '../cookie-header.js';
import { signingKeys } from '../cookie-signing.js';
import { addVary } from '../http/vary.js';
import { verifiedCache } from '../verified-cache.js';
import { keepPrivate } from './cache-headers.js';
import { memoryStore } from './memory-store.js';
import { attributesOf, type Context, commit, type Loaded, load, quiet } from './persist.js';
import { Session } from './session-state.js';
import { type SessionStore, StoreUnavailable, syncReadOf } from './store.js';

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
    /** Default: true when the request came over HTTPS, and always for a `__Host-` or `__Secure-` name. */
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
 * Caches: a response that sets the session cookie is made `Cache-Control: private` (an app's
 * `public` and `s-maxage` are dropped, its `max-age` kept), and one the app used the session for
 * gets `Vary: Cookie` (as Django does), so no shared cache hands one user's page or cookie to another.
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
  if (typeof rolling !== 'boolean')
    throw new TypeError(`session: rolling must be a boolean, got ${String(rolling)}`);
  const timeout = positive(options.timeout, 'timeout', 2000) as number;
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('session: now must be a function returning ms');
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
    verifyId: verifiedCache(name, keys),
    readNow: store.kind === 'server' ? syncReadOf(store) : undefined,
  };

  // Synchronous from end to end for a read-only request on the memory or cookie store (a
  // synchronous app, no write): no promise, so the layers around it stay synchronous too.
  return (app: App): App =>
    (environ, startResponse) => {
      const at = now();
      let loading: Loaded | Promise<Loaded>;
      try {
        loading = load(context, environ, at);
      } catch (error) {
        return refused(error, environ, startResponse);
      }
      if (loading instanceof Promise) {
        return loading.then(
          (loaded) => respond(context, app, environ, startResponse, loaded, at),
          (error: unknown) => refused(error, environ, startResponse),
        );
      }
      return respond(context, app, environ, startResponse, loading, at);
    };
}

/** Runs the app on the loaded session and saves what it changed: synchronously when it can. */
function respond(
  context: Context,
  app: App,
  environ: Environ,
  startResponse: StartResponse,
  loaded: Loaded,
  at: number,
): Body | Promise<Body> {
  const state = loaded.state;
  environ[SESSION] = state;
  let captured: Captured | Promise<Captured>;
  try {
    captured = capture(app, environ);
  } catch (error) {
    state.seal(); // not saved: the app failed
    throw error;
  }
  if (captured instanceof Promise) {
    return captured.then(
      (response) => save(context, environ, startResponse, loaded, at, response),
      (error: unknown) => {
        state.seal();
        throw error;
      },
    );
  }
  return save(context, environ, startResponse, loaded, at, captured);
}

function save(
  context: Context,
  environ: Environ,
  startResponse: StartResponse,
  loaded: Loaded,
  at: number,
  response: Captured,
): Body | Promise<Body> {
  const state = loaded.state;
  // sealed before the write, not after: a change made by work the app left running, while
  // the write is in flight, would be lost without a word
  state.seal();
  if (state.used) addVary(response, 'Cookie'); // what it shows depends on the cookie (Django's rule)
  if (quiet(context, loaded)) return send(response, startResponse);
  return commitAndSend(context, environ, startResponse, loaded, at, response);
}

async function commitAndSend(
  context: Context,
  environ: Environ,
  startResponse: StartResponse,
  loaded: Loaded,
  at: number,
  response: Captured,
): Promise<Body> {
  let setCookie: string | undefined;
  try {
    setCookie = await commit(context, environ, loaded, at);
  } catch (error) {
    void closeBody(response.body);
    return refused(error, environ, startResponse);
  }
  if (setCookie !== undefined) {
    response.appendHeader('Set-Cookie', setCookie);
    keepPrivate(response); // a shared cache must never hand one user's session cookie to the next
  }
  // the store write is done: only now may the head go out
  return send(response, startResponse);
}

/** A store that failed is a 503 (logged); anything else goes on up. */
function refused(error: unknown, environ: Environ, startResponse: StartResponse): Body {
  if (error instanceof StoreUnavailable) return unavailable(error, environ, startResponse);
  throw error;
}

function unavailable(error: unknown, environ: Environ, startResponse: StartResponse): Body {
  const reason = error instanceof Error ? error.message : String(error);
  environ['tsgi.errors'].write(`session: ${reason}\n`);
  const answer = new ServiceUnavailable('The session store is unavailable; try again shortly', {
    cause: error,
    headers: [['Retry-After', '1']],
  });
  return answer(environ, startResponse);
}
