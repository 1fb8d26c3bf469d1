// A session's response and shared caches: one user's Set-Cookie or page must never be stored
// for everybody (a CDN that keeps a `Cache-Control: public` login response hands the session on).
import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { getSession, memoryStore, session } from '@tsgi/middleware/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheDirectives, privateCacheControl } from '../../packages/middleware/src/session/cache-headers.js';
import { Browser } from '../helpers/browser.js';
import { KEY } from './session-helpers.js';

/** An app that sends the headers of `?h=Name:value` (repeatable), logs in on `?login`, reads the session on `?read`. */
const cachedApp: App = (environ, startResponse) => {
  const query = new URLSearchParams(environ.QUERY_STRING);
  if (query.has('login')) getSession(environ).set('user', 'ada');
  if (query.has('read')) getSession(environ).get('user');
  const headers: Array<[string, string]> = [['Content-Type', 'text/plain']];
  for (const pair of query.getAll('h')) {
    const colon = pair.indexOf(':');
    headers.push([pair.slice(0, colon), pair.slice(colon + 1)]);
  }
  startResponse('200 OK', headers);
  return ['page'];
};
const stack = () => validate(session({ keys: [KEY], store: memoryStore() })(validate(cachedApp)));
const url = (...parts: string[]) => `/?${parts.join('&')}`;
const h = (header: string) => `h=${encodeURIComponent(header)}`;

describe('session responses and shared caches', () => {
  it('makes an app’s Cache-Control: public private when the response sets the session cookie', async () => {
    const response = await request(stack(), { url: url('login', h('Cache-Control:public, max-age=60')) });
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(response.headers.get('Cache-Control')).toBe('private, max-age=60');
  });

  it('drops s-maxage (shared caches only) and joins several Cache-Control headers first', async () => {
    const response = await request(stack(), {
      url: url('login', h('Cache-Control:s-maxage=600'), h('cache-control:max-age=5, must-revalidate')),
    });
    expect(response.headers.get('Cache-Control')).toBe('private, max-age=5, must-revalidate');
  });

  it('keeps a Cache-Control that already forbids shared caching, and adds private when there is none', async () => {
    const noStore = await request(stack(), { url: url('login', h('Cache-Control:no-store')) });
    expect(noStore.headers.get('Cache-Control')).toBe('no-store');
    const none = await request(stack(), { url: url('login') });
    expect(none.headers.get('Cache-Control')).toBe('private');
  });

  it('makes the logout response (the cookie dropped) private too', async () => {
    const browser = new Browser();
    const app = validate(
      session({ keys: [KEY], store: memoryStore() })((environ, startResponse) => {
        const s = getSession(environ);
        if (environ.QUERY_STRING === 'out') s.destroy();
        else s.set('user', 'ada');
        startResponse('200 OK', [['Cache-Control', 'public, max-age=60']]);
        return [''];
      }),
    );
    await browser.request(app);
    const out = await browser.request(app, { url: '/?out' });
    expect(out.headers.getSetCookie()[0]).toMatch(/^sid=; Max-Age=0/);
    expect(out.headers.get('Cache-Control')).toBe('private, max-age=60');
  });

  it('sends Vary: Cookie when the app read the session, even with no cookie set', async () => {
    const browser = new Browser();
    const app = stack();
    await browser.request(app, { url: url('login') });
    const read = await browser.request(app, {
      url: url('read', h('Cache-Control:public, max-age=60'), h('Vary:Accept-Encoding')),
    });
    expect(read.headers.getSetCookie()).toEqual([]);
    expect(read.headers.get('Vary')).toBe('Accept-Encoding, Cookie');
    expect(read.headers.get('Cache-Control')).toBe('public, max-age=60'); // the same page for the same cookie
    const anonymous = await request(app, { url: url('read') });
    expect(anonymous.headers.get('Vary')).toBe('Cookie'); // the logged-out page must not reach a user either
  });

  it('adds Cookie to Vary once, and never to Vary: *', async () => {
    const browser = new Browser();
    const app = stack();
    await browser.request(app, { url: url('login') });
    const vary = async (...headers: string[]) =>
      (await browser.request(app, { url: url('read', ...headers.map(h)) })).headers.get('Vary');
    expect(await vary('Vary:*')).toBe('*');
    expect(await vary('vary:accept-encoding, COOKIE')).toBe('accept-encoding, COOKIE');
    expect(await vary('Vary:Origin', 'Vary:Accept')).toBe('Origin, Accept, Cookie');
  });

  it('leaves a response the session was not used for alone', async () => {
    const browser = new Browser();
    const app = stack();
    await browser.request(app, { url: url('login') });
    const untouched = await browser.request(app, { url: url(h('Cache-Control:public, max-age=60')) });
    expect(untouched.headers.get('Vary')).toBeNull();
    expect(untouched.headers.get('Cache-Control')).toBe('public, max-age=60');
  });
});

describe('privateCacheControl', () => {
  const directive = fc.oneof(
    fc.constantFrom('public', 'PUBLIC', 's-maxage=60', 'S-MaxAge=1', 'private="Set-Cookie"', 'no-cache'),
    fc.constantFrom(
      'max-age=60',
      'must-revalidate',
      'no-transform',
      'immutable',
      'stale-while-revalidate=30',
    ),
    fc.stringMatching(/^[a-z-]{1,12}(=("[a-z, ]*"|[0-9]{1,4}))?$/),
  );

  it('never leaves a value a shared cache may store, and keeps every other directive', () => {
    fc.assert(
      fc.property(fc.array(directive, { maxLength: 6 }), (directives) => {
        const result = cacheDirectives(privateCacheControl(directives.join(', ')));
        const names = result.map((d) => d.split('=')[0]!.toLowerCase());
        expect(names.includes('private') || names.includes('no-store')).toBe(true);
        if (!directives.some((d) => /^(private|no-store)$/i.test(d))) {
          expect(names).not.toContain('public');
          expect(names).not.toContain('s-maxage');
        }
        const shared = /^(public|s-maxage|private)(=|$)/i;
        for (const d of directives) if (!shared.test(d)) expect(result).toContain(d);
      }),
    );
  });

  it('reads a quoted-pair as one character: `\\\\` before a quote does not escape the quote', () => {
    // RFC 9110 §5.6.4: `"a\\"` is the string `a\`, closed; the comma after it splits
    expect(cacheDirectives('x="a\\\\", public, y="b,private,c"')).toEqual([
      'x="a\\\\"',
      'public',
      'y="b,private,c"',
    ]);
    expect(cacheDirectives('x="say \\"hi, there\\"", max-age=5')).toEqual([
      'x="say \\"hi, there\\""',
      'max-age=5',
    ]);
    expect(cacheDirectives('public, x="a\\')).toEqual(['public', 'x="a\\']);
    // a `private` inside a quoted string is no directive: the public response is still made private
    expect(privateCacheControl('public, max-age=600, x="a\\\\", y="b,private,c"')).toBe(
      'private, max-age=600, x="a\\\\", y="b,private,c"',
    );
  });

  it('splits at commas outside quoted strings only, and never throws', () => {
    expect(cacheDirectives('no-cache="Set-Cookie, X-Id", max-age=5')).toEqual([
      'no-cache="Set-Cookie, X-Id"',
      'max-age=5',
    ]);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z"\\, =]{0,24}$/)), (value) => {
        const directives = cacheDirectives(value);
        for (const d of directives) expect(d).toBe(d.trim());
        // nothing is lost but the separators (a value ending in `\` inside quotes included)
        const kept = (text: string) => text.replace(/[\s,]/g, '');
        expect(kept(directives.join(''))).toBe(kept(value));
        expect(typeof privateCacheControl(value)).toBe('string');
      }),
    );
  });
});

describe('the memory store read without a copy', () => {
  it('hands the app a copy of an object it may change: the stored session stays as saved', async () => {
    const browser = new Browser();
    const store = memoryStore();
    const app = validate(
      session({ keys: [KEY], store })((environ, startResponse) => {
        const s = getSession(environ);
        if (environ.QUERY_STRING === 'login') s.set('cart', { items: [1] });
        const cart = s.get<{ items: number[] }>('cart');
        // changed in place on a read, never set(): must not reach the store
        if (environ.QUERY_STRING !== 'login') cart?.items.push(99);
        const again = s.get<{ items: number[] }>('cart');
        startResponse('200 OK', [['Content-Type', 'application/json']]);
        return [JSON.stringify({ same: cart === again, cart: again })];
      }),
    );
    await browser.request(app, { url: '/?login' });
    const first = await browser.request(app);
    expect(first.json()).toEqual({ same: true, cart: { items: [1, 99] } }); // one copy per request
    const second = await browser.request(app);
    expect(second.json()).toEqual({ same: true, cart: { items: [1, 99] } }); // the store still holds [1]
  });
});
