// Shared by the session tests: a store that records its calls, and a small counter app.
import type { App, Environ } from '@tsgi/core';
import { getSession, type ServerStore } from '@tsgi/middleware/session';

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
