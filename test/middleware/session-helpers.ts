// Shared by the session tests: a store that records its calls, and a small counter app.
import { type App, type Environ, validate } from '@tsgi/core';
import { request, type TestResponse } from '@tsgi/core/testing';
import { getSession, type ServerStore, type SessionStore, session } from '@tsgi/middleware/session';
import { expect } from 'vitest';
import { deferred } from '../helpers/bodies.js';
import type { Browser } from '../helpers/browser.js';

export const KEY = 'k'.repeat(32);
export const OLD_KEY = 'o'.repeat(32);

/** The store with every call recorded in `calls` (name and id), in order. */
export function recording<S extends ServerStore>(store: S, events: string[] = []): S & { calls: string[] } {
  const calls = events;
  const wrapped = Object.create(store) as S & { calls: string[] };
  wrapped.calls = calls;
  for (const method of ['get', 'apply', 'touch', 'destroy'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      const result = await original(...args);
      calls.push(method);
      return result;
    };
  }
  return wrapped;
}

/** An app driven by the query: `?set=k:v`, `?del=k`, `?regenerate`, `?destroy` (done first), `?user=u`; answers the session as JSON. */
export const sessionApp: App = (environ: Environ, startResponse) => {
  const s = getSession(environ);
  const query = new URLSearchParams(environ.QUERY_STRING);
  if (query.has('destroy')) s.destroy(); // first, so that `?destroy&set=…` starts a new session
  for (const pair of query.getAll('set')) {
    const [key = '', value = ''] = pair.split(':');
    s.set(key, value);
  }
  for (const key of query.getAll('del')) s.delete(key);
  if (query.has('clear')) s.clear();
  if (query.has('regenerate')) s.regenerate();
  const user = query.get('user');
  if (user !== null) s.setUser(user);
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify({ isNew: s.isNew, data: Object.fromEntries(s.keys().map((k) => [k, s.get(k)])) })];
};

/**
 * Two requests of one session, each changing a different key, both loaded before either
 * saves: what the store holds after them (both changes, when it saves only what changed).
 */
export async function concurrentChanges(
  browser: Browser,
  store: SessionStore,
  read: App,
): Promise<Record<string, string>> {
  await browser.request(read, { url: '/?set=a:0&set=b:0' });
  let loaded = 0;
  const bothLoaded = deferred();
  const app = validate(
    session({ keys: [KEY], store })(async (environ, startResponse) => {
      getSession(environ);
      if (++loaded === 2) bothLoaded.resolve();
      await bothLoaded.promise; // each has read the session before either writes
      return sessionApp(environ, startResponse);
    }),
  );
  await Promise.all([browser.request(app, { url: '/?set=a:1' }), browser.request(app, { url: '/?set=b:2' })]);
  return (await browser.request(read)).json<{ data: Record<string, string> }>().data;
}

/**
 * A slow request that sets a key, finishing after the same session logged out (`?destroy`)
 * through `read`: its response (which must drop the cookie, not write the session back), and
 * the session's id.
 */
export async function lateWriteAfterLogout(
  browser: Browser,
  store: SessionStore,
  read: App,
): Promise<{ late: TestResponse; id: string }> {
  await browser.request(read, { url: '/?set=user:ada' });
  const id = browser.cookies.get('sid')?.split('.')[0] as string;
  const started = deferred();
  const release = deferred();
  const slowApp = validate(
    session({ keys: [KEY], store })(async (environ, startResponse) => {
      started.resolve();
      await release.promise;
      getSession(environ).set('late', 'write');
      return sessionApp(environ, startResponse);
    }),
  );
  const slow = browser.clone().request(slowApp);
  await started.promise;
  await browser.request(read, { url: '/?destroy' });
  expect(browser.cookies.has('sid')).toBe(false); // the logout dropped the cookie
  release.resolve();
  return { late: await slow, id };
}

/**
 * A streaming response that calls `set()` after its head went out: the Set-Cookie headers
 * sent, and what `set()` threw (a session change can no longer be saved before the head).
 */
export async function setAfterHead(store: SessionStore): Promise<{ cookies: string[]; thrown: unknown }> {
  let thrown: unknown;
  const app = validate(
    session({ keys: [KEY], store })((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'streaming';
        try {
          getSession(environ).set('late', 1);
        } catch (error) {
          thrown = error;
        }
      })();
    }),
  );
  const response = await request(app);
  return { cookies: response.headers.getSetCookie(), thrown };
}
