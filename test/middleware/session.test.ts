import { type App, BadRequest, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { signingKeys } from '@tsgi/middleware';
import {
  cookieStore,
  getSession,
  memoryStore,
  redisStore,
  type ServerStore,
  type SessionStore,
  session,
} from '@tsgi/middleware/session';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { deferred as gate } from '../helpers/bodies.js';
import { Browser, testClock } from '../helpers/browser.js';
import {
  concurrentChanges,
  KEY,
  lateWriteAfterLogout,
  OLD_KEY,
  recording,
  sessionApp,
  setAfterHead,
} from './session-helpers.js';

type Data = { isNew: boolean; data: Record<string, string> };

const stack = (
  store: SessionStore,
  extra: Parameters<typeof session>[0] extends infer O ? Partial<O> : never = {},
) => validate(session({ keys: [KEY], store, ...extra })(validate(sessionApp)));

describe('session on the memory store', () => {
  it('writes nothing and sets no cookie for an untouched new session', async () => {
    const store = recording(memoryStore());
    const response = await request(stack(store));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.calls).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('keeps data across requests by a signed id cookie with the defaults', async () => {
    const browser = new Browser();
    const app = stack(memoryStore());
    const first = await browser.request(app, { url: '/?set=name:ada' });
    expect(first.headers.getSetCookie()[0]).toMatch(
      /^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(first.headers.get('Cache-Control')).toBe('private'); // no shared cache keeps a session cookie
    const second = await browser.request(app);
    expect(second.json<Data>()).toEqual({ isNew: false, data: { name: 'ada' } });
    expect(second.headers.getSetCookie()).toEqual([]); // unchanged: the cookie stands
  });

  it('treats a tampered or unsigned cookie as an empty new session', async () => {
    const browser = new Browser();
    const app = stack(memoryStore());
    await browser.request(app, { url: '/?set=role:admin' });
    const sid = browser.cookies.get('sid') as string;
    const id = sid.split('.')[0] as string;
    for (const forged of [id, `${id}.${'A'.repeat(43)}`, `${sid.slice(0, -1)}x`]) {
      const response = await request(app, { headers: { Cookie: `sid=${forged}` } });
      expect(response.json<Data>()).toEqual({ isNew: true, data: {} });
    }
  });

  it('rotates keys: a cookie signed by an older key still works, and is re-signed with the new one', async () => {
    const store = memoryStore();
    const browser = new Browser();
    await browser.request(validate(session({ keys: [OLD_KEY], store })(sessionApp)), { url: '/?set=a:1' });
    const before = browser.cookies.get('sid');
    const rotated = validate(session({ keys: [KEY, OLD_KEY], store })(sessionApp));
    const response = await browser.request(rotated);
    expect(response.json<Data>().data).toEqual({ a: '1' });
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(browser.cookies.get('sid')).not.toBe(before);
    expect(browser.cookies.get('sid')?.split('.')[0]).toBe(before?.split('.')[0]); // same id, new signature
    // once the old key is dropped, the re-signed cookie still works
    const newOnly = validate(session({ keys: [KEY], store })(sessionApp));
    expect((await browser.request(newOnly)).json<Data>().data).toEqual({ a: '1' });
  });

  it('regenerate() gives a new id with the same data, and the planted id is dead (fixation)', async () => {
    const store = recording(memoryStore());
    const app = stack(store);
    const victim = new Browser();
    await victim.request(app, { url: '/?set=cart:3' });
    const attacker = victim.clone(); // the attacker planted, and so knows, this id
    store.calls.length = 0;
    const login = await victim.request(app, { url: '/?set=user:ada&regenerate' });
    expect(login.json<Data>().data).toEqual({ cart: '3', user: 'ada' });
    expect(victim.cookies.get('sid')).not.toBe(attacker.cookies.get('sid'));
    expect(store.calls).toEqual(['get', 'destroy', 'apply']); // written exactly once, after the old id ended
    expect((await attacker.request(app)).json<Data>()).toEqual({ isNew: true, data: {} });
    expect((await victim.request(app)).json<Data>().data).toEqual({ cart: '3', user: 'ada' });
  });

  it('completes the store write before the response head goes out (express-session#309)', async () => {
    const events: string[] = [];
    const slow = memoryStore();
    const apply = slow.apply.bind(slow);
    slow.apply = async (id, change) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push('saved');
      return apply(id, change);
    };
    const inner = session({ keys: [KEY], store: slow })(sessionApp);
    const app: App = (environ, startResponse) =>
      inner(environ, (status, headers, error) => {
        events.push('head');
        return startResponse(status, headers, error);
      });
    await request(validate(app), { url: '/?set=user:ada' });
    expect(events).toEqual(['saved', 'head']);
  });

  it('saves only the changed keys, so two concurrent requests changing different keys both persist', async () => {
    const store = memoryStore();
    expect(await concurrentChanges(new Browser(), store, stack(store))).toEqual({ a: '1', b: '2' });
  });

  it('keeps a destroyed id dead: a slow request finishing after logout does not write it back', async () => {
    const store = memoryStore();
    const { late } = await lateWriteAfterLogout(new Browser(), store, stack(store));
    expect(late.headers.getSetCookie()[0]).toMatch(/^sid=; Max-Age=0/); // not resurrected: dropped
    expect(store.size).toBe(0);
  });

  it('expires sessions on the server at cookie.maxAge, whatever the client sends', async () => {
    const clock = testClock();
    const store = memoryStore({ now: clock.now });
    const app = stack(store, { now: clock.now, cookie: { maxAge: 60 } });
    const browser = new Browser();
    await browser.request(app, { url: '/?set=a:1' });
    clock.advance(59);
    expect((await browser.request(app, { url: '/?set=b:2' })).json<Data>().isNew).toBe(false);
    clock.advance(2); // 61 s after creation: over, though it was used a second ago
    expect((await browser.request(app)).json<Data>()).toEqual({ isNew: true, data: {} });
  });

  it('starts a new session, with a lifetime of its own, for what is set after destroy()', async () => {
    const clock = testClock();
    const store = memoryStore({ now: clock.now });
    const app = stack(store, { now: clock.now, cookie: { maxAge: 60 } });
    const browser = new Browser();
    await browser.request(app, { url: '/?set=user:ada' });
    const before = browser.cookies.get('sid');
    clock.advance(50);
    await browser.request(app, { url: '/?destroy&set=notice:bye' });
    expect(browser.cookies.get('sid')).not.toBe(before);
    clock.advance(20); // 70 s after the first session began, 20 s into the second
    expect((await browser.request(app)).json<Data>()).toEqual({ isNew: false, data: { notice: 'bye' } });
  });

  it('ends an idle session at idleTimeout, and rolling refreshes it with a touch only', async () => {
    const clock = testClock();
    const store = recording(memoryStore({ now: clock.now }));
    const app = stack(store, { now: clock.now, idleTimeout: 10 });
    const browser = new Browser();
    await browser.request(app, { url: '/?set=a:1' });
    for (let i = 0; i < 3; i++) {
      clock.advance(8);
      store.calls.length = 0;
      expect((await browser.request(app)).json<Data>().data).toEqual({ a: '1' });
      expect(store.calls).toEqual(['get', 'touch']); // no rewrite of the data (express-session#1064)
    }
    clock.advance(11);
    expect((await browser.request(app)).json<Data>().isNew).toBe(true);
    const fixed = stack(memoryStore({ now: clock.now }), { now: clock.now, idleTimeout: 10, rolling: false });
    const other = new Browser();
    await other.request(fixed, { url: '/?set=a:1' });
    clock.advance(8);
    await other.request(fixed);
    clock.advance(8); // 16 s after the write: not rolling, so over
    expect((await other.request(fixed)).json<Data>().isNew).toBe(true);
  });

  it('saves when the app throws an HTTPError, and not for any other throw', async () => {
    const store = memoryStore();
    const browser = new Browser();
    const throwing = (error: Error) =>
      validate(
        session({ keys: [KEY], store })((environ) => {
          getSession(environ).set('note', error.name);
          throw error;
        }),
      );
    const refused = await browser.request(throwing(new BadRequest('nope')));
    expect(refused.status).toBe(400);
    expect((await browser.request(stack(store))).json<Data>().data).toEqual({ note: 'BadRequest' });
    const failed = await browser.request(throwing(new Error('boom')), { rethrow: false });
    expect(failed.status).toBe(500);
    expect((await browser.request(stack(store))).json<Data>().data).toEqual({ note: 'BadRequest' });
  });

  it('destroyUser(id) ends every session of that user (log out everywhere)', async () => {
    const store = memoryStore();
    const app = stack(store);
    const laptop = new Browser();
    const phone = new Browser();
    const someoneElse = new Browser();
    await laptop.request(app, { url: '/?set=a:1&user=ada' });
    await phone.request(app, { url: '/?set=b:2&user=ada' });
    await someoneElse.request(app, { url: '/?set=c:3&user=bob' });
    await store.destroyUser('ada');
    expect((await laptop.request(app)).json<Data>().isNew).toBe(true);
    expect((await phone.request(app)).json<Data>().isNew).toBe(true);
    expect((await someoneElse.request(app)).json<Data>().data).toEqual({ c: '3' });
  });

  it('answers 503, logged to tsgi.errors, when the store is down or slow — never a hang', async () => {
    const down: ServerStore = {
      kind: 'server',
      get: () => Promise.reject(new Error('ECONNREFUSED')),
      apply: () => new Promise(() => {}),
      touch: () => new Promise(() => {}),
      destroy: () => new Promise(() => {}),
    };
    const app = validate(session({ keys: [KEY], store: down, timeout: 50 })(sessionApp));
    const signed = new Browser();
    await signed.request(stack(memoryStore()), { url: '/?set=a:1' }); // a well-signed cookie, so get() is asked
    const failed = await signed.request(app);
    expect([failed.status, failed.headers.get('Retry-After')]).toEqual([503, '1']);
    expect(failed.log).toMatch(/session: session store get failed: ECONNREFUSED/);
    const slow = await request(app, { url: '/?set=a:1' }); // a new session: the write hangs
    expect(slow.status).toBe(503);
    expect(slow.log).toMatch(/session store write took over 50 ms/);
  });

  it('refuses set() once the head went out, on every store', async () => {
    for (const store of [memoryStore(), cookieStore()]) {
      const { cookies, thrown } = await setAfterHead(store);
      expect(cookies).toEqual([]);
      expect(String(thrown)).toMatch(/after the response head went out/);
    }
  });

  it('refuses a change made while the store write is running, instead of losing it silently', async () => {
    const store = memoryStore();
    const writing = gate();
    const written = gate();
    const apply = store.apply.bind(store);
    store.apply = async (id, change) => {
      writing.resolve();
      await written.promise;
      return apply(id, change);
    };
    let late = 'not tried';
    const app = validate(
      session({ keys: [KEY], store })((environ, startResponse) => {
        const s = getSession(environ);
        s.set('a', '1');
        // work the app left running: it touches the session while the write is in flight
        void writing.promise.then(() => {
          try {
            s.set('late', '1');
            late = 'accepted';
          } catch {
            late = 'refused';
          }
          written.resolve();
        });
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return ['ok'];
      }),
    );
    const browser = new Browser();
    await browser.request(app);
    store.apply = apply;
    expect(late).toBe('refused');
    const next = await browser.request(stack(store));
    expect(next.json<Data>().data).toEqual({ a: '1' });
  });

  it('marks a __Host- session cookie Secure even on a request that reached the app over http (TLS ended at a proxy)', async () => {
    const app = validate(session({ keys: [KEY], cookie: { name: '__Host-sid' } })(validate(sessionApp)));
    const response = await request(app, { url: 'http://example.com/?set=a:1' });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^__Host-sid=/);
    expect(cookie).toMatch(/; Secure/);
  });

  it('checks its options at start-up', () => {
    expect(() => session({ keys: ['short'] })).toThrow(/at least 32 bytes/);
    expect(() => session({ keys: [KEY], cookie: { maxAge: -1 } })).toThrow(
      /cookie.maxAge must be a positive/,
    );
    expect(() => session({ keys: [KEY], cookie: { name: 'a b' } })).toThrow(/not a token/);
    expect(() => session({ keys: [KEY], cookie: { name: '__Host-sid', path: '/app' } })).toThrow(/__Host-/);
    expect(() => session({ keys: [KEY], store: {} as SessionStore })).toThrow(
      /store must be a session store/,
    );
    expect(() => memoryStore({ max: 0 })).toThrow(/max must be a positive integer/);
    // a string 'false' would turn rolling on; a sweep every 0 ms would spin the CPU
    expect(() => session({ keys: [KEY], rolling: 'false' as never })).toThrow(/rolling must be a boolean/);
    expect(() => session({ keys: [KEY], now: 5 as never })).toThrow(/now must be a function/);
    expect(() => memoryStore({ sweepInterval: 0 })).toThrow(/sweepInterval must be a positive/);
    expect(() => memoryStore({ ttl: '60' as never })).toThrow(/ttl must be a positive number/);
    expect(() => memoryStore({ now: 'soon' as never })).toThrow(/now must be a function/);
    const client = { sendCommand: async () => null } as never;
    expect(() => redisStore({ client, timeout: '500' as never })).toThrow(
      /timeout must be a positive number/,
    );
    expect(() => redisStore({ client, timeout: 2 ** 31 })).toThrow(/timeout must be a positive number/);
  });

  it('sweeps expired entries from the memory store on its timer, without a read', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const clock = testClock();
      const store = memoryStore({ now: clock.now, sweepInterval: 1000 });
      const app = stack(store, { now: clock.now, cookie: { maxAge: 60 } });
      await request(app, { url: '/?set=a:1' });
      await request(app, { url: '/?set=b:2' });
      expect(store.size).toBe(2);
      clock.advance(61);
      vi.advanceTimersByTime(1000);
      expect(store.size).toBe(0);
      store.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('bounds the memory store by entries, least recently used first', async () => {
    const store = memoryStore({ max: 2 });
    const app = stack(store);
    const [a, b, c] = [new Browser(), new Browser(), new Browser()];
    await a.request(app, { url: '/?set=n:a' });
    await b.request(app, { url: '/?set=n:b' });
    await a.request(app); // a is used again: b is now the oldest
    await c.request(app, { url: '/?set=n:c' });
    expect(store.size).toBe(2);
    expect((await b.request(app)).json<Data>().isNew).toBe(true);
    expect((await a.request(app)).json<Data>().data).toEqual({ n: 'a' });
  });
});

describe('session on the sealed cookie store', () => {
  it('keeps the data in an encrypted cookie that does not show it', async () => {
    const browser = new Browser();
    const app = stack(cookieStore());
    await browser.request(app, { url: '/?set=secret:plans' });
    const sealed = browser.cookies.get('sid') as string;
    expect(sealed).not.toMatch(/plans/);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toMatch(/plans/);
    expect((await browser.request(app)).json<Data>()).toEqual({ isNew: false, data: { secret: 'plans' } });
  });

  it('treats a cookie that does not open as an empty new session (no fallback decoder)', async () => {
    const browser = new Browser();
    const app = stack(cookieStore());
    await browser.request(app, { url: '/?set=role:user' });
    const sealed = browser.cookies.get('sid') as string;
    const flipped = `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`;
    const plainJson = Buffer.from(
      JSON.stringify({ data: { role: 'admin' }, createdAt: 0, expiresAt: 9e15 }),
    ).toString('base64url');
    for (const forged of [flipped, plainJson, 'e30', '']) {
      expect((await request(app, { headers: { Cookie: `sid=${forged}` } })).json<Data>()).toEqual({
        isNew: true,
        data: {},
      });
    }
    // sealed under another cookie name: the name is bound in, so it does not open here
    const other = validate(
      session({ keys: [KEY], store: cookieStore(), cookie: { name: 'other' } })(sessionApp),
    );
    expect((await request(other, { headers: { Cookie: `other=${sealed}` } })).json<Data>().isNew).toBe(true);
  });

  it('carries its expiry inside the seal: a stolen cookie replayed after maxAge is refused', async () => {
    const clock = testClock();
    const app = stack(cookieStore(), { now: clock.now, cookie: { maxAge: 60 } });
    const browser = new Browser();
    await browser.request(app, { url: '/?set=user:ada' });
    const stolen = browser.cookies.get('sid') as string;
    clock.advance(61);
    const replay = await request(app, { headers: { Cookie: `sid=${stolen}` } });
    expect(replay.json<Data>()).toEqual({ isNew: true, data: {} });
  });

  it('opens a cookie sealed with an older key, and seals it again with the current one', async () => {
    const browser = new Browser();
    await browser.request(validate(session({ keys: [OLD_KEY], store: cookieStore() })(sessionApp)), {
      url: '/?set=a:1',
    });
    const rotated = validate(session({ keys: [KEY, OLD_KEY], store: cookieStore() })(sessionApp));
    const response = await browser.request(rotated);
    expect(response.json<Data>().data).toEqual({ a: '1' });
    expect(response.headers.getSetCookie()).toHaveLength(1);
    const newOnly = validate(session({ keys: [KEY], store: cookieStore() })(sessionApp));
    expect((await browser.request(newOnly)).json<Data>().data).toEqual({ a: '1' });
  });

  it('refuses a sealed cookie over 4096 bytes with an error that says so', async () => {
    const app = validate(
      session({ keys: [KEY], store: cookieStore() })((environ, startResponse) => {
        getSession(environ).set('big', 'x'.repeat(4000));
        startResponse('200 OK', []);
        return [];
      }),
    );
    await expect(request(app)).rejects.toThrow(/over the 4096 browsers keep/);
  });

  it('never throws on a forged cookie, whatever it holds, and opens nothing it did not seal', () => {
    const store = cookieStore();
    const keys = signingKeys([KEY], 'keys');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.base64String(), fc.uint8Array()), (input) => {
        const value = typeof input === 'string' ? input : Buffer.from(input).toString('base64url');
        expect(store.unseal(value, keys, 'sid')).toBeUndefined();
      }),
    );
    const sealed = store.seal({ data: { a: 1 }, createdAt: 1, expiresAt: 2 }, keys, 'sid');
    expect(store.unseal(sealed, keys, 'sid')).toEqual({
      record: { data: { a: 1 }, createdAt: 1, expiresAt: 2 },
      stale: false,
    });
  });

  it('destroy() drops the cookie', async () => {
    const browser = new Browser();
    const app = stack(cookieStore());
    await browser.request(app, { url: '/?set=a:1' });
    const response = await browser.request(app, { url: '/?destroy' });
    expect(response.headers.getSetCookie()[0]).toMatch(/^sid=; Max-Age=0/);
    expect(browser.cookies.has('sid')).toBe(false);
  });
});
