// Scale-out, for real: Debian's nginx balancing two `tsgi serve` processes that share sessions
// through one redis-server. A session made through one backend is read through the other;
// nginx's X-Forwarded-* is believed (proxyHeaders, one hop) and a client's forgery is not;
// stopping a backend under load loses no session and fails no request nginx can retry.
// The nginx config is examples/deploy/nginx.conf, with the ports of this test.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNginx, type Nginx, startNginx } from '../helpers/nginx.js';
import { onFreePort } from '../helpers/ports.js';
import { hasRedis, type RedisServer, startRedis } from '../helpers/redis.js';
import { BIN } from '../helpers/tsgi-process.js';

const ready = hasNginx() && hasRedis();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BACKEND_COMMAND = [BIN, 'serve', 'examples/deploy/app.ts'];
const KEY = 'a-session-key-of-at-least-32-characters';

interface Backend {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

/** `tsgi serve examples/deploy/app.ts` on a port of its choosing, named `name` in its answers. */
async function startBackend(name: string, redisUrl: string): Promise<Backend> {
  const child = spawn(process.execPath, [...BACKEND_COMMAND, '--port', '0'], {
    env: { ...process.env, NODE_OPTIONS: '', BACKEND: name, REDIS_URL: redisUrl, SESSION_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  let output = '';
  // port 0 and the port it printed: one picked up front could be taken before it listens
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no "Serving on" within 20 s')), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`backend ${name} did not start: ${error.message}\n${output}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk;
      const serving = /Serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (serving !== null) {
        clearTimeout(timer);
        resolve(Number(serving[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });
  return { name, port, child, output: () => output };
}

async function stopBackend(backend: Backend, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (backend.child.exitCode !== null || backend.child.signalCode !== null) return;
  const exited = new Promise((resolve) => backend.child.once('exit', resolve));
  backend.child.kill(signal);
  await exited;
}

interface Answer {
  status: number;
  body: { backend: string; user?: string | null; remoteAddr?: string; scheme?: string; host?: string };
  cookie: string | undefined;
}

/** One GET through node:http (no keep-alive), from `localAddress` when given. */
function get(port: number, path: string, headers: Record<string, string> = {}, localAddress?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode as number,
            body: JSON.parse(text),
            cookie: res.headers['set-cookie']?.[0]?.split(';')[0],
          });
        } catch {
          reject(new Error(`${res.statusCode}: ${text}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!ready)('behind nginx, two tsgi serve processes on one Redis', () => {
  let redis: RedisServer;
  let nginx: Nginx;
  let nginxPort: number;
  const backends: Backend[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    backends.push(...(await Promise.all([startBackend('one', redis.url), startBackend('two', redis.url)])));
    const [one, two] = backends.map((backend) => backend.port);
    const template = readFileSync(new URL('../../examples/deploy/nginx.conf', import.meta.url), 'utf8');
    nginx = await onFreePort(async (port) => {
      const conf = template
        .replace('127.0.0.1:8001', `127.0.0.1:${one}`)
        .replace('127.0.0.1:8002', `127.0.0.1:${two}`)
        .replace('listen 127.0.0.1:8080', `listen 127.0.0.1:${port}`);
      const started = await startNginx(conf, port);
      nginxPort = port;
      return started;
    });
  }, 30_000);

  afterAll(async () => {
    await nginx?.close();
    await Promise.all(backends.map((backend) => stopBackend(backend, 'SIGKILL')));
    await redis?.close();
  });

  it('reads through one backend the session made through the other', async () => {
    const login = await get(nginxPort, '/login?user=ada');
    expect(login.status).toBe(200);
    const cookie = login.cookie as string;
    expect(cookie).toMatch(/^sid=/);
    // round robin: consecutive requests go to both backends, each finds the session
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const me = await get(nginxPort, '/me', { Cookie: cookie });
      expect(me.body.user).toBe('ada');
      seen.add(me.body.backend);
    }
    expect([...seen].sort()).toEqual(['one', 'two']);
    // and straight at the backend that did not make it
    const other = backends.find((backend) => backend.name !== login.body.backend) as Backend;
    expect((await get(other.port, '/me', { Cookie: cookie })).body).toEqual({
      backend: other.name,
      user: 'ada',
    });
  });

  it("trusts nginx's X-Forwarded-* and not a client's forgery", async () => {
    // from 127.0.0.2, so that the client's address differs from nginx's own (127.0.0.1)
    const forged = {
      Host: 'app.example',
      'X-Forwarded-For': '203.0.113.66',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'evil.example',
    };
    const whoami = await get(nginxPort, '/whoami', forged, '127.0.0.2');
    expect(whoami.body).toMatchObject({ remoteAddr: '127.0.0.2', scheme: 'http', host: 'app.example' });
  });

  it('loses no session and fails no request when a backend stops under load', async () => {
    const cookie = (await get(nginxPort, '/login?user=grace')).cookie as string;
    const outcomes: Array<string> = [];
    const served = { one: 0, two: 0 } as Record<string, number>;
    const until = Date.now() + 3000;
    const client = async () => {
      while (Date.now() < until) {
        try {
          const me = await get(nginxPort, '/me', { Cookie: cookie });
          served[me.body.backend] = (served[me.body.backend] ?? 0) + 1;
          outcomes.push(
            me.status === 200 && me.body.user === 'grace' ? 'ok' : `${me.status} ${me.body.user}`,
          );
        } catch (error) {
          outcomes.push(String(error));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, client));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const servedBefore = { ...served };
    await stopBackend(backends[1] as Backend); // SIGTERM: a graceful stop, requests in flight finish
    const stoppedAt = { ...served };
    await load;
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    expect(servedBefore.two).toBeGreaterThan(0);
    expect(served.one).toBeGreaterThan(stoppedAt.one as number); // the other one took over
    expect(outcomes.length).toBeGreaterThan(50);
  }, 20_000);
});
