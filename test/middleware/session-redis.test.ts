import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { validate } from '@tsgi/core';
import { type RedisClientLike, redisStore, session } from '@tsgi/middleware/session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, testClock } from '../helpers/browser.js';
import { hasRedis, type RedisServer, startRedis } from '../helpers/redis.js';
import { concurrentChanges, KEY, lateWriteAfterLogout, sessionApp, setAfterHead } from './session-helpers.js';

type Data = { isNew: boolean; data: Record<string, string> };
const available = hasRedis();
if (!available)
  console.warn('session-redis tests skipped: redis-server is not installed (with CI=true this fails)');

describe.skipIf(!available)('session on the Redis store (a real redis-server)', () => {
  let redis: RedisServer;
  const newClient = (url: string) => createClient({ url }).on('error', () => {});
  let client: ReturnType<typeof newClient>;
  let prefixes = 0;
  const fresh = () => redisStore({ client: client as unknown as RedisClientLike, prefix: `t${++prefixes}:` });

  beforeAll(async () => {
    redis = await startRedis();
    client = newClient(redis.url);
    await client.connect();
  });
  afterAll(async () => {
    client?.destroy();
    await redis?.close();
  });

  const stack = (store = fresh(), extra: Partial<Parameters<typeof session>[0]> = {}) =>
    validate(session({ keys: [KEY], store, ...extra })(validate(sessionApp)));

  it('keeps a session as a hash of the changed fields, with the TTL on the key', async () => {
    const browser = new Browser();
    const app = stack(fresh(), { cookie: { maxAge: 3600 } });
    await browser.request(app, { url: '/?set=a:1&set=b:2' });
    const id = browser.cookies.get('sid')?.split('.')[0] as string;
    const key = `t${prefixes}:${id}`;
    expect(await client.hGetAll(key)).toMatchObject({ 'd:a': '"1"', 'd:b': '"2"' });
    const ttl = await client.pTTL(key);
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    await browser.request(app, { url: '/?del=a&set=c:3' }); // HDEL a, HSET c
    expect(await client.hGetAll(key)).toMatchObject({ 'd:b': '"2"', 'd:c': '"3"' });
    expect(await client.hExists(key, 'd:a')).toBe(0);
    expect((await browser.request(app)).json<Data>()).toEqual({ isNew: false, data: { b: '2', c: '3' } });
  });

  it('still writes after Redis forgot its scripts (SCRIPT FLUSH, a restart): EVALSHA falls back to EVAL', async () => {
    const browser = new Browser();
    const app = stack();
    await browser.request(app, { url: '/?set=a:1' });
    await client.scriptFlush();
    await browser.request(app, { url: '/?set=b:2' }); // NOSCRIPT, then the script itself
    await browser.request(app, { url: '/?set=c:3' }); // cached again
    expect((await browser.request(app)).json<Data>()).toEqual({
      isNew: false,
      data: { a: '1', b: '2', c: '3' },
    });
  });

  it('persists both of two concurrent requests changing different keys', async () => {
    const store = fresh();
    expect(await concurrentChanges(new Browser(), store, stack(store))).toEqual({ a: '1', b: '2' });
  });

  it('keeps a destroyed id dead with a tombstone: a late write does not resurrect it', async () => {
    const store = fresh();
    const { late, id } = await lateWriteAfterLogout(new Browser(), store, stack(store));
    expect(late.headers.getSetCookie()[0]).toMatch(/^sid=; Max-Age=0/);
    expect(await client.exists(`t${prefixes}:${id}`)).toBe(0);
    expect(await client.exists(`t${prefixes}:dead:${id}`)).toBe(1);
  });

  it('regenerate() moves the data to a new id, written once; the old id is dead', async () => {
    const store = fresh();
    const browser = new Browser();
    await browser.request(stack(store), { url: '/?set=cart:3' });
    const planted = browser.clone();
    await browser.request(stack(store), { url: '/?set=user:ada&regenerate' });
    expect((await planted.request(stack(store))).json<Data>().isNew).toBe(true);
    expect((await browser.request(stack(store))).json<Data>().data).toEqual({ cart: '3', user: 'ada' });
  });

  it('refreshes an idle session with a touch (PEXPIRE), not a rewrite of its data', async () => {
    const clock = testClock(Date.now());
    const store = fresh();
    const app = stack(store, { now: clock.now, idleTimeout: 100 });
    const browser = new Browser();
    await browser.request(app, { url: '/?set=a:1' });
    const key = `t${prefixes}:${browser.cookies.get('sid')?.split('.')[0]}`;
    await client.hSet(key, 'd:a', '"changed elsewhere"'); // a rewrite of the data would undo this
    clock.advance(60);
    await browser.request(app);
    expect(await client.hGet(key, 'd:a')).toBe('"changed elsewhere"');
    expect(Number(await client.hGet(key, 'm:i'))).toBe(clock.now() + 100_000);
    clock.advance(101); // idle: over on the server, even though Redis still holds it
    expect((await browser.request(app)).json<Data>().isNew).toBe(true);
  });

  it('destroyUser(id) ends every session of that user', async () => {
    const store = fresh();
    const [laptop, phone, other] = [new Browser(), new Browser(), new Browser()];
    await laptop.request(stack(store), { url: '/?set=a:1&user=ada' });
    await phone.request(stack(store), { url: '/?set=b:2&user=ada' });
    await other.request(stack(store), { url: '/?set=c:3&user=bob' });
    await store.destroyUser('ada');
    expect((await laptop.request(stack(store))).json<Data>().isNew).toBe(true);
    expect((await phone.request(stack(store))).json<Data>().isNew).toBe(true);
    expect((await other.request(stack(store))).json<Data>().data).toEqual({ c: '3' });
  });

  it('destroyUser(id) spares a session that moved on to another user', async () => {
    const store = fresh();
    const shared = new Browser(); // one browser: ada signs in, then bob, without a new session
    await shared.request(stack(store), { url: '/?set=a:1&user=ada' });
    await shared.request(stack(store), { url: '/?user=bob' });
    await store.destroyUser('ada');
    expect((await shared.request(stack(store))).json<Data>()).toEqual({ isNew: false, data: { a: '1' } });
    await store.destroyUser('bob');
    expect((await shared.request(stack(store))).json<Data>().isNew).toBe(true);
  });

  it('refuses set() once the head went out', async () => {
    const { cookies, thrown } = await setAfterHead(fresh());
    expect(cookies).toEqual([]);
    expect(String(thrown)).toMatch(/after the response head went out/);
  });

  it('two server processes share sessions through one Redis; Redis stopping is a 503, not a hang', async () => {
    const children: ChildProcess[] = [];
    const startApp = async (): Promise<string> => {
      const child = spawn(
        process.execPath,
        ['--conditions=tsgi-source', '--import', 'tsx', 'test/fixtures/session/redis-app.ts'],
        { env: { ...process.env, REDIS_URL: redis.url }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      const line = once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
      const exited = once(child, 'exit').then(([code]) => {
        throw new Error(`the app process exited (${code}) before it was ready: ${stderr}`);
      });
      const [url] = (await Promise.race([line, exited])) as [string];
      return url;
    };
    const call = async (url: string, cookie: string | undefined) => {
      const response = await fetch(url, { headers: cookie === undefined ? {} : { Cookie: cookie } });
      const setCookie = response.headers.getSetCookie()[0]?.split(';')[0];
      return { status: response.status, body: await response.text(), setCookie };
    };
    try {
      const [one, two] = await Promise.all([startApp(), startApp()]);
      const login = await call(`${one}/?set=user:ada`, undefined);
      expect(login.status).toBe(200);
      const cookie = login.setCookie as string;
      const seen = JSON.parse((await call(`${two}/`, cookie)).body) as { pid: number; data: unknown };
      expect(seen.data).toEqual({ user: 'ada' });
      expect(seen.pid).toBe(children[1]?.pid); // another process answered, from the same Redis
      await call(`${two}/?set=theme:dark`, cookie);
      expect(JSON.parse((await call(`${one}/`, cookie)).body).data).toEqual({ user: 'ada', theme: 'dark' });

      await redis.stop();
      const started = Date.now();
      const down = await call(`${one}/`, cookie);
      expect(down.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000); // bounded by the timeout, not a hang

      await redis.restart(); // empty (nothing persisted), but serving again
      let recovered = 0;
      for (let attempt = 0; attempt < 40 && recovered !== 200; attempt++) {
        recovered = (await call(`${one}/?set=back:1`, undefined)).status;
        if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recovered).toBe(200);
    } finally {
      for (const child of children) {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
  }, 30_000);

  it('answers 503 within the timeout when Redis is slow (CLIENT PAUSE), and serves again after', async () => {
    const own = newClient(redis.url); // its own connection: the shared one may still be reconnecting after the restart above
    await own.connect();
    const store = redisStore({ client: own as unknown as RedisClientLike, prefix: 'slow:', timeout: 150 });
    const app = validate(session({ keys: [KEY], store, timeout: 1000 })(sessionApp));
    const browser = new Browser();
    await browser.request(app, { url: '/?set=a:1' });
    const admin = newClient(redis.url);
    await admin.connect();
    try {
      // a pause well beyond the store's 150 ms, so that a loaded machine's delays cannot blur them
      await admin.sendCommand(['CLIENT', 'PAUSE', '2000', 'ALL']);
      const started = Date.now(); // the pause began before its reply: it is over by started + 2000
      const slow = await browser.request(app);
      expect(slow.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1900); // the store's 150 ms, not the pause
      expect(slow.log).toMatch(/session: session store get failed/);
      await new Promise((resolve) => setTimeout(resolve, started + 2100 - Date.now()));
      expect((await browser.request(app)).json<Data>().data).toEqual({ a: '1' });
    } finally {
      admin.destroy();
      own.destroy();
    }
  });

  it('answers 503 logged to tsgi.errors when Redis is down (in process)', async () => {
    const downClient = createClient({ url: redis.url }).on('error', () => {});
    await downClient.connect();
    const store = redisStore({
      client: downClient as unknown as RedisClientLike,
      prefix: 'down:',
      timeout: 100,
    });
    const browser = new Browser();
    await browser.request(stack(store), { url: '/?set=a:1' });
    downClient.destroy(); // the connection is gone for good
    const response = await browser.request(
      validate(session({ keys: [KEY], store, timeout: 200 })(sessionApp)),
    );
    expect(response.status).toBe(503);
    expect(response.log).toMatch(/session: session store get (failed|took over)/);
  });
});

describe('importing the session middleware', () => {
  it('does not load redis unless a redisStore is given a url; the memory store timer lets the process exit', async () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, next) { if (s === 'redis' || s.startsWith('@redis/')) throw new Error('redis was loaded'); return next(s, c); }",
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const root = await import('@tsgi/middleware');
      const sub = await import('@tsgi/middleware/session');
      sub.redisStore({ client: { sendCommand: async () => null } });
      root.session({ keys: ['k'.repeat(32)], store: root.memoryStore() });
      console.log('no redis');`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=tsgi-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: process.cwd() },
    );
    expect(stdout.trim()).toBe('no redis');
  });
});
