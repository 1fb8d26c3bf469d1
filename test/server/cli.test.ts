// The `tsgi` command: its help, its errors (one line, non-zero exit), and the apps it serves.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServe, UsageError } from '../../packages/core/src/servers/node/cli-options.js';
import { loadApp, parseReference } from '../../packages/core/src/servers/node/load-app.js';
import { httpRequest } from '../helpers/http.js';
import { onFreePort } from '../helpers/ports.js';
import { BIN, FIXTURES, runCli, serveCli, start, stopProcesses } from '../helpers/tsgi-process.js';

afterEach(stopProcesses);

const app = (name: string) => join(FIXTURES, name);

describe('tsgi --help', () => {
  it('lists the serve command', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tsgi <command>/);
    expect(stdout).toContain('serve <file>[#export]');
  });

  it('tsgi serve --help documents every flag', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--host',
      '--port',
      '--workers',
      '--dev',
      '--reload',
      '--access-log',
      '--access-log-format',
      '--max-requests',
      '--max-requests-jitter',
      '--timeout',
      '--graceful-timeout',
      '--tls-key',
      '--tls-cert',
    ]) {
      expect(stdout).toContain(`  ${flag}`);
    }
    expect(stdout).toMatch(/\$PORT/);
    expect(stdout).toMatch(/\$HOST/);
  });

  it("--version prints @tsgi/core's version", async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${JSON.parse(readFileSync(new URL('../../packages/core/package.json', import.meta.url), 'utf8')).version}\n`,
    );
  });

  it('with no command prints the usage and exits 2', async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: tsgi/);
  });
});

// The parsing and loading rules, in process (a process per case would make this file slow);
// the spawned tests below check what the command makes of them: one line, the exit code.
describe('bad arguments: a UsageError naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^tsgi serve needs the app/],
    [['app.mjs', '--bogus'], /^Unknown option '--bogus'$/],
    [['app.mjs', '--workers', '0'], /^--workers must be a whole number of at least 1, not "0"$/],
    [['app.mjs', '--workers', '1.5'], /^--workers must be a whole number/],
    [['app.mjs', '--port', 'http'], /^--port must be a whole number/],
    [['app.mjs', '--port', '70000'], /^--port must be at most 65535/],
    [['app.mjs', '--timeout', '0'], /^--timeout must be a number of seconds above 0/],
    [['app.mjs', '--timeout', 'soon'], /^--timeout must be a number of seconds/],
    [['app.mjs', '--max-requests=-3'], /^--max-requests must be a whole number/],
    [['app.mjs', '--tls-key', 'k.pem'], /^--tls-key and --tls-cert go together$/],
    [['app.mjs', '--tls-key', 'nope.pem', '--tls-cert', 'nope.pem'], /^--tls-key nope.pem: ENOENT$/],
    [['app.mjs', '--access-log-format', 'xml'], /^--access-log-format must be one of common, combined, json/],
    [['a.mjs', 'b.mjs'], /^one app only/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' ') || '(no app)', () => {
      expect(() => parseServe(args, {})).toThrow(UsageError);
      expect(() => parseServe(args, {})).toThrow(message);
    });
  }

  it('a bad $PORT is named as such; $PORT and $HOST are the defaults, flags win', () => {
    expect(() => parseServe(['app.mjs'], { PORT: 'eighty' })).toThrow(
      /^--port \(from \$PORT\) must be a whole number/,
    );
    expect(parseServe(['app.mjs'], { PORT: '9000', HOST: '0.0.0.0' })).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
    });
    expect(parseServe(['app.mjs', '--port', '1'], { PORT: '9000' })).toMatchObject({ port: 1 });
    expect(parseServe(['app.mjs'], {})).toMatchObject({ port: 8000, host: '127.0.0.1', workers: undefined });
  });

  it('--dev implies --reload; --access-log-format implies --access-log; --timeout is in seconds', () => {
    expect(parseServe(['app.mjs', '--dev'], {})).toMatchObject({ dev: true, reload: true });
    expect(parseServe(['app.mjs', '--access-log'], {})).toMatchObject({ accessLog: 'common' });
    expect(parseServe(['app.mjs', '--access-log-format', 'json'], {})).toMatchObject({ accessLog: 'json' });
    expect(parseServe(['app.mjs', '--timeout', '1.5'], {})).toMatchObject({ timeout: 1500 });
  });
});

describe('an app that fails to load: a LoadError naming the problem', () => {
  // vitest compiles .ts itself: keep loadApp from registering tsx in the test runner
  (globalThis as Record<symbol, unknown>)[Symbol.for('tsgi.tsx-loaded')] = true;
  const load = (reference: string) => loadApp(reference, FIXTURES);

  it('a missing file', async () => {
    await expect(load('no/such/app.ts')).rejects.toThrow(/^no such file: no\/such\/app\.ts$/);
  });

  it('a bad name after #', () => {
    expect(() => parseReference('app.ts#not-a-name')).toThrow(/^"not-a-name" after # is not an export name$/);
  });

  it('a missing export lists the ones there are', async () => {
    await expect(load('apps.ts#nope')).rejects.toThrow(
      /^apps\.ts has no export "nope"; it exports config, default, named, tools$/,
    );
  });

  it('an export that is not an app names what it found', async () => {
    await expect(load('apps.ts#config')).rejects.toThrow(
      /^apps\.ts#config is an object \(Object with port, name\), not an app/,
    );
  });

  it('no default export; a class; a number; a fetch-style object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-cli-'));
    writeFileSync(
      join(dir, 'shapes.mjs'),
      'export class Greeter {}\nexport const answer = 42;\nexport const hono = { fetch() {} };\n',
    );
    const file = join(dir, 'shapes.mjs');
    await expect(loadApp(file, dir)).rejects.toThrow(
      /has no default export; it exports Greeter, answer, hono$/,
    );
    await expect(loadApp(`${file}#Greeter`, dir)).rejects.toThrow(
      /is a class \(Greeter\), not an app: export fromClass\(Greeter\)/,
    );
    await expect(loadApp(`${file}#answer`, dir)).rejects.toThrow(/is a number, not an app/);
    await expect(loadApp(`${file}#hono`, dir)).rejects.toThrow(/export fromFetch\(app\.fetch\)/);
  });
});

describe('errors from the command: one line, non-zero exit', () => {
  it('a bad argument: exit 2 and a pointer to --help', async () => {
    const { code, stderr } = await runCli(['serve', app('plain.mjs'), '--workers', '0']);
    expect(code).toBe(2);
    expect(stderr).toBe('tsgi: --workers must be a whole number of at least 1, not "0"\nSee tsgi --help.\n');
  });

  it('an unknown command: exit 2', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('tsgi: unknown command "frobnicate"');
  });

  it('an app that is not one: exit 1, one line', async () => {
    const { code, stderr } = await runCli(['serve', `${app('apps.ts')}#config`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^tsgi: cannot load the app: .*apps\.ts#config is an object \(Object with port, name\), not an app.*\n$/,
    );
  });

  it('a port in use: exit 1, one line', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const { code, stderr } = await runCli(['serve', app('plain.mjs'), '--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toBe(`tsgi: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    } finally {
      taken.close();
    }
  });

  it('a module that throws on import: the first line names the error', async () => {
    const { code, stderr } = await runCli(['serve', app('broken.mjs')]);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe('tsgi: cannot load the app: broken on purpose');
  });
});

// ceilings for a loaded machine (each test takes a few seconds)
describe('tsgi serve', { timeout: 60_000 }, () => {
  it('serves the default export of a .ts file and prints where', async () => {
    const cli = await serveCli([app('apps.ts')]);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await httpRequest(`${cli.url}/hi`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({
      pid: cli.child.pid,
      path: '/hi',
      scheme: 'http',
      multiprocess: false,
    });
  });

  it('serves a named export after #', async () => {
    const cli = await serveCli([`${app('apps.ts')}#named`]);
    expect((await httpRequest(cli.url)).text).toBe('named\n');
  });

  it('serves a .ts file outside a "type": "module" package (node runs it as CommonJS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-cjs-'));
    writeFileSync(
      join(dir, 'app.ts'),
      "export const api = (_e: unknown, start: (s: string, h: [string, string][]) => void) => { start('200 OK', []); return ['cjs\\n']; };\n",
    );
    const cli = await serveCli([`${join(dir, 'app.ts')}#api`]);
    expect((await httpRequest(cli.url)).text).toBe('cjs\n');
  });

  it('takes no inherited property of a CommonJS .ts module for an export (#constructor, #toString)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-cjs-'));
    writeFileSync(join(dir, 'app.ts'), 'export const api = 1;\n');
    for (const name of ['constructor', 'toString']) {
      const { code, stderr } = await runCli(['serve', `${join(dir, 'app.ts')}#${name}`, '--port', '0']);
      expect(code).toBe(1);
      expect(stderr.split('\n')[0]).toBe(
        `tsgi: cannot load the app: ${join(dir, 'app.ts')} has no export "${name}"; it exports api`,
      );
    }
  }, 30_000);

  it('serves a .mjs file', async () => {
    const cli = await serveCli([app('plain.mjs')]);
    expect((await httpRequest(`${cli.url}/x`)).text).toBe('js /x\n');
  });

  it('honours PORT and HOST', async () => {
    // a port picked up front can be taken before the CLI binds it: then it exits, and another is tried
    const port = await onFreePort(async (free) => {
      const fromEnv = start([BIN, 'serve', app('plain.mjs')], { PORT: String(free), HOST: '127.0.0.1' });
      await fromEnv.waitFor(new RegExp(`Serving on http://127\\.0\\.0\\.1:${free}`));
      return free;
    });
    expect((await httpRequest(`http://127.0.0.1:${port}/env`)).text).toBe('js /env\n');
  });

  it('stops on SIGTERM, exit 0', async () => {
    const cli = await serveCli([app('plain.mjs')]);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('--access-log writes one Common Log Format line per response to stdout', async () => {
    const cli = await serveCli([app('plain.mjs'), '--access-log']);
    await httpRequest(`${cli.url}/logged?q=1`, { headers: { 'User-Agent': 'test' } });
    const [line] = await cli.waitFor(
      /^127\.0\.0\.1 - - \[.+\] "GET \/logged\?q=1 HTTP\/1\.1" 200 \d+ [\d.]+ms$/m,
    );
    expect(line).not.toContain('incomplete');
  });

  it('--access-log-format json', async () => {
    const cli = await serveCli([app('plain.mjs'), '--access-log-format', 'json']);
    await httpRequest(`${cli.url}/j`);
    const [line] = await cli.waitFor(/^\{.*"target":"\/j".*\}$/m);
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', status: 200, outcome: 'finished' });
  });

  it('without --dev a 500 shows nothing of the error', async () => {
    const cli = await serveCli([`${app('apps.ts')}#tools`]);
    const response = await httpRequest(`${cli.url}/boom`);
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('kaboom');
    await cli.waitFor(/kaboom/); // the stack goes to the log
  });

  it('--dev shows the debug page, escaped, and reloads on change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-dev-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    cpSync(app('apps.ts'), join(dir, 'apps.ts'));
    const cli = await serveCli([`${join(dir, 'apps.ts')}#tools`, '--dev']);
    expect(cli.stdout).toContain('(dev: reloading on change, debug page on)');
    const page = await httpRequest(`${cli.url}/boom`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(500);
    expect(page.text).toContain('Error: kaboom &lt;script&gt;');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toMatch(/apps\.ts/); // the stack
    writeFileSync(
      join(dir, 'apps.ts'),
      "export const tools = (_e: unknown, start: (s: string, h: [string, string][]) => void) => { start('200 OK', []); return ['changed\\n']; };\n",
    );
    await cli.waitFor(/rolling restart done/);
    expect((await httpRequest(cli.url)).text).toBe('changed\n');
  });
});
