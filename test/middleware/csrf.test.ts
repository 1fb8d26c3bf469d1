import { type App, Request, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compose, csrf, csrfToken, methodOverride } from '@tsgi/middleware';
import { memoryStore, session } from '@tsgi/middleware/session';
import { describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.js';
import { KEY } from './session-helpers.js';

/** GET renders a token; anything else echoes the form's `name` (read after csrf() read the body). */
const formApp: App = async (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  if (environ.REQUEST_METHOD === 'GET') return [csrfToken(environ)];
  const type = environ.CONTENT_TYPE ?? '';
  const name = type.includes('form') ? (await Request.of(environ).form()).get('name') : 'no form';
  return [`saved ${name}`];
};

const build = () =>
  validate(compose(session({ keys: [KEY], store: memoryStore() }), csrf())(validate(formApp)));

async function withToken(): Promise<{ app: App; browser: Browser; token: string }> {
  const app = build();
  const browser = new Browser();
  const token = (await browser.request(app)).text();
  return { app, browser, token };
}

describe('csrf', () => {
  it('accepts a POST with the token in the _csrf field, and the app still reads the form', async () => {
    const { app, browser, token } = await withToken();
    const response = await browser.request(app, { body: new URLSearchParams({ _csrf: token, name: 'ada' }) });
    expect([response.status, response.text()]).toEqual([200, 'saved ada']);
  });

  it('accepts the token in the X-CSRF-Token header, on PUT, PATCH and DELETE too', async () => {
    const { app, browser, token } = await withToken();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await browser.request(app, { method, headers: { 'X-CSRF-Token': token } });
      expect([method, response.status]).toEqual([method, 200]);
    }
  });

  it('refuses a missing, wrong or other-session token with a 403 that says why', async () => {
    const { app, browser, token } = await withToken();
    const missing = await browser.request(app, { body: new URLSearchParams({ name: 'x' }) });
    expect([missing.status, missing.text()]).toEqual([
      403,
      expect.stringContaining('no token: send it in the _csrf'),
    ]);
    const wrong = await browser.request(app, {
      method: 'DELETE',
      // One full character changed: the last ones also hold padding bits, so rewriting them
      // left the decoded token unchanged in about 1 run of 256.
      headers: { 'X-CSRF-Token': `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}` },
    });
    expect([wrong.status, wrong.text()]).toEqual([
      403,
      expect.stringContaining('does not match this session'),
    ]);
    const other = await withToken(); // a token of another session
    const foreign = await browser.request(app, { method: 'POST', headers: { 'X-CSRF-Token': other.token } });
    expect(foreign.status).toBe(403);
    const noSession = await request(app, { method: 'POST', headers: { 'X-CSRF-Token': token } });
    expect([noSession.status, noSession.text()]).toEqual([
      403,
      expect.stringContaining('holds no CSRF secret'),
    ]);
  });

  it('masks the token afresh for every response (BREACH), each one valid', async () => {
    const { app, browser, token } = await withToken();
    const again = (await browser.request(app)).text();
    expect(again).not.toBe(token);
    expect(again).toMatch(/^[A-Za-z0-9_-]{86}$/);
    for (const t of [token, again]) {
      expect((await browser.request(app, { method: 'POST', headers: { 'X-CSRF-Token': t } })).status).toBe(
        200,
      );
    }
  });

  it('refuses Sec-Fetch-Site: cross-site outright, and still wants the token from same-origin', async () => {
    const { app, browser, token } = await withToken();
    const cross = await browser.request(app, {
      method: 'POST',
      headers: { 'X-CSRF-Token': token, 'Sec-Fetch-Site': 'cross-site' },
    });
    expect([cross.status, cross.text()]).toEqual([403, expect.stringContaining('cross-site request')]);
    const sameOrigin = await browser.request(app, {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(403);
  });

  it('reads the form within bodyLimit: a larger form is a 413, not read into memory', async () => {
    const app = validate(
      compose(session({ keys: [KEY], store: memoryStore() }), csrf({ bodyLimit: 120 }))(validate(formApp)),
    );
    const browser = new Browser();
    const token = (await browser.request(app)).text();
    const big = await browser.request(app, {
      body: new URLSearchParams({ _csrf: token, name: 'x'.repeat(200) }),
    });
    expect(big.status).toBe(413);
    const small = await browser.request(app, { body: new URLSearchParams({ _csrf: token, name: 'ok' }) });
    expect([small.status, small.text()]).toEqual([200, 'saved ok']); // 100 bytes: within the limit
  });

  it('does not check safe methods', async () => {
    const app = build();
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      expect((await request(app, { method })).status).toBe(200);
  });

  it('checks every method that is not safe, also one a form post became through methodOverride()', async () => {
    const app = validate(
      compose(
        methodOverride({ methods: ['PUT', 'PATCH', 'DELETE', 'PURGE'] }),
        session({ keys: [KEY], store: memoryStore() }),
        csrf(),
      )(validate(formApp)),
    );
    // the attacker's page posts a form cross-site: `_method=PURGE`, no token
    const forged = await request(app, {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'cross-site' },
      body: new URLSearchParams({ _method: 'PURGE', name: 'x' }),
    });
    expect(forged.status).toBe(403);
    for (const method of ['PROPPATCH', 'MKCOL'])
      expect((await request(build(), { method })).status).toBe(403);
  });

  it('needs session() outside it, and checks its options', async () => {
    const bare = csrf()(formApp);
    await expect(request(bare, { method: 'POST', headers: { 'X-CSRF-Token': 'x' } })).rejects.toThrow(
      /getSession\(\) needs session/,
    );
    expect(() => csrf({ header: 'X Bad' })).toThrow(/header must be a header name/);
    expect(() => csrf({ field: '' })).toThrow(/field must be a non-empty string/);
    expect(() => csrf({ bodyLimit: -1 })).toThrow(/bodyLimit must be a byte count/);
  });
});
