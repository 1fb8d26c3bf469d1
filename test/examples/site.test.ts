// examples/site: what `npm start` serves. The guestbook's flows through the in-process client
// (a cookie-keeping Browser over request(), under validate()), and main.ts as a real process.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { urlMap } from '@tsgi/middleware';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../examples/site/config.js';
import { createSite, STATIC_DIR } from '../../examples/site/site.js';
import { memoryStorage, type Storage } from '../../examples/site/storage.js';
import { Browser } from '../helpers/browser.js';
import { hasRedis, type RedisServer, startRedis } from '../helpers/redis.js';
import { type RunningSite, startSite, TEST_KEY, tokenOf } from './site-helpers.js';

const site = (storage: Storage = memoryStorage()) => createSite({ keys: [TEST_KEY], storage, log: false });

/** Signs up `name` in a fresh browser and returns it, signed in. */
async function signedUp(app: ReturnType<typeof site>, name: string, password = 'correct horse') {
  const browser = new Browser();
  const form = await browser.request(app, { url: '/signup' });
  const sent = await browser.request(app, {
    url: '/signup',
    body: new URLSearchParams({ _csrf: tokenOf(form.text()), name, password }),
  });
  expect(sent.status).toBe(303);
  return browser;
}

describe('examples/site in process', () => {
  it('signs up: a new session id, a flash shown once, then the form to sign', async () => {
    const app = site();
    const browser = new Browser();
    const form = await browser.request(app, { url: '/signup' });
    const before = browser.cookies.get('sid');
    const sent = await browser.request(app, {
      url: '/signup',
      body: new URLSearchParams({ _csrf: tokenOf(form.text()), name: 'Ada', password: 'correct horse' }),
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/');
    expect(browser.cookies.get('sid')).not.toBe(before); // regenerate(): a planted id is worth nothing
    const home = await browser.request(app);
    expect(home.text()).toContain('Welcome, Ada! Your account is ready.');
    expect(home.text()).toContain('Signed in as <strong>ada</strong>');
    expect(home.text()).toContain('Sign the guestbook');
    expect((await browser.request(app)).text()).not.toContain('Welcome, Ada!'); // once
  });

  it('logs in with the password only, the same message for a wrong name as for a wrong password', async () => {
    const app = site();
    await signedUp(app, 'grace', 'hopper-1906');
    const browser = new Browser();
    const attempt = async (name: string, password: string) => {
      const form = await browser.request(app, { url: '/login' });
      return browser.request(app, {
        url: '/login',
        body: new URLSearchParams({ _csrf: tokenOf(form.text()), name, password }),
      });
    };
    const wrongPassword = await attempt('grace', 'not-her-password');
    const wrongName = await attempt('nobody', 'hopper-1906');
    for (const refused of [wrongPassword, wrongName]) {
      expect(refused.status).toBe(422);
      expect(refused.text()).toContain('Wrong name or password.');
    }
    expect(wrongName.text()).toContain('value="nobody"'); // the name stays in the form
    const ok = await attempt('Grace', 'hopper-1906');
    expect(ok.status).toBe(303);
    expect((await browser.request(app)).text()).toContain('Welcome back, grace!');
  });

  it('shows each validation error next to its field, keeping what was typed', async () => {
    const app = site();
    const browser = new Browser();
    const form = await browser.request(app, { url: '/signup' });
    const sent = await browser.request(app, {
      url: '/signup',
      body: new URLSearchParams({ _csrf: tokenOf(form.text()), name: 'x<y', password: 'short' }),
    });
    expect(sent.status).toBe(422);
    const page = sent.text();
    expect(page).toMatch(
      /name="name"[^>]*value="x&lt;y"[^>]*aria-describedby="name-error">\s*<p class="error" id="name-error">Use 3 to 20/,
    );
    expect(page).toMatch(
      /name="password"[^>]*aria-invalid="true"[^>]*>\s*<p class="error" id="password-error">Use at least 8/,
    );
    const taken = await signedUp(app, 'linus');
    expect(taken.cookies.size).toBe(1);
    const again = await browser.request(app, {
      url: '/signup',
      body: new URLSearchParams({ _csrf: tokenOf(page), name: 'LINUS', password: 'long enough' }),
    });
    expect(again.text()).toContain('That name is taken.');
  });

  it('signs the guestbook (escaped), refuses an empty entry, and deletes only its own entries', async () => {
    const app = site();
    const ada = await signedUp(app, 'ada');
    const home = await ada.request(app);
    const empty = await ada.request(app, {
      url: '/entries',
      body: new URLSearchParams({ _csrf: tokenOf(home.text()), text: '  ' }),
    });
    expect(empty.status).toBe(422);
    expect(empty.text()).toContain('<p class="error" id="text-error">Write something first.</p>');
    const signed = await ada.request(app, {
      url: '/entries',
      body: new URLSearchParams({ _csrf: tokenOf(home.text()), text: '<script>alert(1)</script> hi' }),
    });
    expect(signed.status).toBe(303);
    const page = (await ada.request(app)).text();
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; hi');
    expect(page).not.toContain('<script>');
    const action = /action="(\/entries\/[^"]+\/delete)"/.exec(page)?.[1] as string;
    expect(action).toBeDefined();

    const bob = await signedUp(app, 'bob');
    const bobsPage = (await bob.request(app)).text();
    expect(bobsPage).not.toContain('/delete"'); // no delete button on ada's entry
    const stolen = await bob.request(app, {
      url: action,
      body: new URLSearchParams({ _csrf: tokenOf(bobsPage) }),
    });
    expect(stolen.status).toBe(404);
    expect((await ada.request(app)).text()).toContain('alert(1)');

    const removed = await ada.request(app, {
      url: action,
      body: new URLSearchParams({ _csrf: tokenOf(page) }),
    });
    expect(removed.status).toBe(303);
    const after = (await ada.request(app)).text();
    expect(after).toContain('Your entry was deleted.');
    expect(after).not.toContain('alert(1)');
  });

  it("refuses a form without its token, or with another session's, in the site's layout", async () => {
    const app = site();
    const ada = await signedUp(app, 'ada');
    const missing = await ada.request(app, { url: '/entries', body: new URLSearchParams({ text: 'hi' }) });
    expect(missing.status).toBe(403);
    expect(missing.text()).toContain('<h1>Not allowed</h1>');
    expect(missing.text()).toContain('Signed in as <strong>ada</strong>');
    const other = new Browser();
    const othersToken = tokenOf((await other.request(app)).text());
    const forged = await ada.request(app, {
      url: '/entries',
      body: new URLSearchParams({ _csrf: othersToken, text: 'hi' }),
    });
    expect(forged.status).toBe(403);
    expect((await ada.request(app)).text()).toContain('No entries yet');
  });

  it('logs out for good: the old cookie no longer signs anyone in', async () => {
    const app = site();
    const ada = await signedUp(app, 'ada');
    const stolen = ada.clone();
    const home = (await ada.request(app)).text();
    const out = await ada.request(app, {
      url: '/logout',
      body: new URLSearchParams({ _csrf: tokenOf(home) }),
    });
    expect(out.status).toBe(303);
    const page = (await ada.request(app)).text();
    expect(page).toContain('You are logged out.');
    expect(page).toContain('Sign up</a>');
    expect((await stolen.request(app)).text()).not.toContain('Signed in as');
  });

  it('answers 404 and 405 in its layout (HTML), and in JSON to a client that asks for it', async () => {
    const app = site();
    const missing = await new Browser().request(app, { url: '/no/such/page' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(missing.text()).toContain('<h1>Page not found</h1>');
    expect(missing.text()).toContain('href="/static/style.css"');
    const browser = new Browser();
    const token = tokenOf((await browser.request(app, { url: '/signup' })).text());
    const wrongMethod = await browser.request(app, {
      url: '/about',
      body: new URLSearchParams({ _csrf: token }),
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('GET');
    const json = await new Browser().request(app, { url: '/nope', headers: { Accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers a crash with a 500 in its layout, the stack only in the log', async () => {
    const broken: Storage = { ...memoryStorage(), entries: () => Promise.reject(new Error('disk on fire')) };
    const response = await new Browser().request(site(broken));
    expect(response.status).toBe(500);
    expect(response.text()).toContain('<h1>Something went wrong</h1>');
    expect(response.text()).not.toContain('disk on fire');
    expect(response.log).toMatch(/site: GET "\/": Error: disk on fire\n\s+at /);
    const json = await new Browser().request(site(broken), { headers: { Accept: 'application/json' } });
    expect(json.status).toBe(500);
    expect(json.json()).toEqual({ error: { status: 500, message: 'Internal Server Error' } });
    expect(json.text()).not.toContain('disk on fire');
    expect(json.log.match(/disk on fire/g)).toHaveLength(1); // logged once, by errors()
  });

  it('builds every link and redirect under its mount point', async () => {
    const app = urlMap({ '/guestbook': site() });
    const browser = new Browser();
    const form = await browser.request(app, { url: '/guestbook/signup' });
    const hrefs = [...form.text().matchAll(/(?:href|action)="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(5);
    for (const href of hrefs) expect(href).toMatch(/^\/guestbook\//);
    const sent = await browser.request(app, {
      url: '/guestbook/signup',
      body: new URLSearchParams({ _csrf: tokenOf(form.text()), name: 'ada', password: 'correct horse' }),
    });
    expect(sent.headers.get('location')).toBe('/guestbook/');
    const encoded = await new Browser().request(urlMap({ '/gäste buch': site() }), {
      url: '/g%C3%A4ste%20buch/about',
    });
    expect(encoded.text()).toContain('href="/g%C3%A4ste%20buch/static/style.css"'); // the mount point as sent
    const css = await browser.request(app, { url: '/guestbook/static/style.css' });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('sends its stylesheet compressed to a client that accepts it, as is to one that does not', async () => {
    const app = site();
    const css = readFileSync(join(STATIC_DIR, 'style.css'));
    const gzipped = await new Browser().request(app, {
      url: '/static/style.css',
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('vary')).toBe('Accept-Encoding');
    expect(gunzipSync(gzipped.bytes())).toEqual(css);
    const plain = await new Browser().request(app, { url: '/static/style.css' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(plain.bytes())).toEqual(css);
    const page = await new Browser().request(app, { headers: { 'Accept-Encoding': 'br' } });
    expect(page.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(page.bytes()).toString()).toContain('<h1>Guestbook</h1>');
  });

  it('sends a strict Content-Security-Policy and nosniff on pages, error pages and files', async () => {
    for (const url of ['/', '/no/such/page', '/static/style.css']) {
      const response = await new Browser().request(site(), { url });
      expect(response.headers.get('content-security-policy'), url).toContain("script-src 'none'");
      expect(response.headers.get('content-security-policy'), url).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
  });

  it('serves no session cookie with its static files', async () => {
    const logo = await new Browser().request(site(), { url: '/static/logo.svg' });
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(logo.headers.getSetCookie()).toEqual([]);
    // the router refuses the dot segment before serveStatic is reached
    const outside = await new Browser().request(site(), { url: '/static/../config.ts' });
    expect(outside.status).toBe(400);
  });
});

describe('examples/site configuration', () => {
  const config = (env: Record<string, string>, args: string[] = []) => readConfig(env, args);

  it('defaults to port 8000, memory, one worker and a random key', () => {
    const first = config({});
    expect(first).toMatchObject({ port: 8000, redisUrl: undefined, workers: 1, randomKey: true });
    expect(Buffer.byteLength(first.keys[0] as string)).toBeGreaterThanOrEqual(32);
    expect(config({}).keys).not.toEqual(first.keys);
  });

  it('reads PORT, REDIS_URL, SESSION_KEYS (newest first) and --workers', () => {
    const key2 = `${TEST_KEY} (the older one)`;
    expect(
      config({ PORT: '9000', REDIS_URL: 'redis://127.0.0.1:6390', SESSION_KEYS: `${TEST_KEY},${key2}` }, [
        '--workers',
        '2',
      ]),
    ).toEqual({
      port: 9000,
      redisUrl: 'redis://127.0.0.1:6390',
      keys: [TEST_KEY, key2],
      randomKey: false,
      workers: 2,
    });
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => config({ PORT: 'eighty' })).toThrow(/^PORT must be a port number/);
    expect(() => config({ SESSION_KEYS: 'short' })).toThrow(
      /^SESSION_KEYS: each key must be at least 32 bytes/,
    );
    expect(() => config({ REDIS_URL: 'redis://x' }, ['--workers', 'two'])).toThrow(/^--workers must be/);
    expect(() => config({}, ['--workers', '2'])).toThrow(/^--workers needs REDIS_URL/);
    expect(() => config({}, ['--wrokers', '2'])).toThrow(/wrokers/);
  });
});

describe('examples/site as npm start runs it', () => {
  let running: RunningSite | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('announces where it serves, says its key is random, serves the guestbook and logs each request', async () => {
    running = await startSite();
    const response = await fetch(`${running.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<h1>Guestbook</h1>');
    expect(running.output()).toContain('SESSION_KEYS is not set: signing sessions with a random key');
    await expect.poll(() => running?.output()).toMatch(/"GET \/ HTTP\/1\.1" 200 \d+/);
  });

  it('exits with a message naming a bad setting', async () => {
    await expect(startSite({ PORT: 'eighty' })).rejects.toThrow(
      /exited \(2\)[\s\S]*PORT must be a port number/,
    );
  });

  it('exits with a message when REDIS_URL names a Redis that is not there', async () => {
    await expect(startSite({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /exited \(2\)[\s\S]*cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): connect ECONNREFUSED/,
    );
  });
});

/**
 * A visitor that keeps the session cookie and opens a new connection for every request, so
 * that the workers of a cluster take turns answering it.
 */
function visitor() {
  let cookie = '';
  return (url: string, path: string, body?: URLSearchParams) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const sent = body?.toString();
      const req = httpRequest(`${url}${path}`, {
        method: sent === undefined ? 'GET' : 'POST',
        agent: false, // Connection: close
        headers: {
          cookie,
          ...(sent === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
      });
      req.on('response', (response) => {
        const set = response.headers['set-cookie']?.[0];
        if (set) cookie = set.split(';')[0] as string;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(sent);
    });
}

/** Signs up `name` and signs the guestbook with `text`, through `visit`. */
async function signUpAndSign(visit: ReturnType<typeof visitor>, url: string, name: string, text: string) {
  const form = await visit(url, '/signup');
  const signedUp = await visit(
    url,
    '/signup',
    new URLSearchParams({ _csrf: tokenOf(form.text), name, password: 'correct horse' }),
  );
  expect(signedUp.status).toBe(303);
  const home = await visit(url, '/');
  expect(
    (await visit(url, '/entries', new URLSearchParams({ _csrf: tokenOf(home.text), text }))).status,
  ).toBe(303);
}

describe.skipIf(!hasRedis())('examples/site with REDIS_URL', () => {
  let redis: RedisServer;
  const sites: RunningSite[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(sites.map((s) => s.stop()));
    await redis.close();
  });

  it('keeps sessions, users and entries in Redis: a restart (same SESSION_KEYS) loses nothing', async () => {
    const env = { REDIS_URL: redis.url, SESSION_KEYS: TEST_KEY };
    const first = await startSite(env);
    sites.push(first);
    expect(first.output()).toContain(`Sessions, users and entries in Redis at ${redis.url}`);
    const visit = visitor();
    await signUpAndSign(visit, first.url, 'ada', 'kept in redis');
    await first.stop();

    const second = await startSite(env);
    sites.push(second);
    const again = await visit(second.url, '/');
    expect(again.text).toContain('Signed in as <strong>ada</strong>');
    expect(again.text).toContain('kept in redis');
  });

  it('npm start -- --workers 2: two processes share the sessions and the entries (one random key for both)', async () => {
    const site = await startSite({ REDIS_URL: redis.url, SESSION_KEYS: '' }, ['--workers', '2']);
    sites.push(site);
    expect(site.output()).toMatch(/Serving on http:\/\/\S+ with 2 workers/);
    const visit = visitor();
    await signUpAndSign(visit, site.url, 'grace', 'signed through two workers');
    for (let i = 0; i < 6; i++) {
      const page = await visit(site.url, '/');
      expect(page.text).toContain('Signed in as <strong>grace</strong>');
      expect(page.text).toContain('signed through two workers');
    }
    // the access log names the worker of each request: both took turns
    await expect
      .poll(
        () =>
          new Set(
            site
              .output()
              .match(/\[worker \d+\] .*"GET \/ /g)
              ?.map((l) => l.split(']')[0]),
          ).size,
      )
      .toBe(2);
  });
});
