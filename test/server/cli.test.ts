// The `tsgi` command: its help, its errors (one line, non-zero exit), and the apps it serves.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { FIXTURES, runCli, serveCli, stopProcesses } from '../helpers/tsgi-process.js';

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

  it('with no command prints the usage and exits 2', async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: tsgi/);
  });
});

describe('bad arguments: one line naming the problem, exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^tsgi: unknown command "frobnicate"$/],
    [['serve'], /^tsgi: tsgi serve needs the app/],
    [['serve', app('plain.mjs'), '--bogus'], /^tsgi: Unknown option '--bogus'$/],
    [
      ['serve', app('plain.mjs'), '--workers', '0'],
      /^tsgi: --workers must be a whole number of at least 1, not "0"$/,
    ],
    [['serve', app('plain.mjs'), '--port', 'http'], /^tsgi: --port must be a whole number/],
    [['serve', app('plain.mjs'), '--port', '70000'], /^tsgi: --port must be at most 65535/],
    [['serve', app('plain.mjs'), '--timeout', '-1'], /^tsgi: /],
    [['serve', app('plain.mjs'), '--timeout', 'soon'], /^tsgi: --timeout must be a number of seconds/],
    [['serve', app('plain.mjs'), '--tls-key', 'k.pem'], /^tsgi: --tls-key and --tls-cert go together$/],
    [
      ['serve', app('plain.mjs'), '--tls-key', 'nope.pem', '--tls-cert', 'nope.pem'],
      /^tsgi: --tls-key nope.pem: ENOENT$/,
    ],
    [
      ['serve', app('plain.mjs'), '--access-log-format', 'xml'],
      /^tsgi: --access-log-format must be one of common, combined, json/,
    ],
    [['serve', `${app('plain.mjs')}#not-a-name`], /^tsgi: "not-a-name" after # is not an export name$/],
    [['serve', app('a.mjs'), app('b.mjs')], /^tsgi: one app only/],
  ];
  for (const [args, message] of cases) {
    it(args.slice(1).join(' ').replaceAll(FIXTURES, '') || args.join(' '), async () => {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(message);
    });
  }

  it('a bad $PORT is named as such', async () => {
    const { code, stderr } = await runCli(['serve', app('plain.mjs')], { PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tsgi: --port \(from \$PORT\) must be a whole number/);
  });
});

describe('an app that fails to load: one line naming the problem, exit 1', () => {
  it('a missing file', async () => {
    const { code, stderr } = await runCli(['serve', 'no/such/app.ts']);
    expect(code).toBe(1);
    expect(stderr).toBe('tsgi: cannot load the app: no such file: no/such/app.ts\n');
  });

  it('a missing export lists the ones there are', async () => {
    const { code, stderr } = await runCli(['serve', `${app('apps.ts')}#nope`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no export "nope"; it exports config, default, named, tools\n$/);
  });

  it('an export that is not an app names what it found', async () => {
    const { code, stderr } = await runCli(['serve', `${app('apps.ts')}#config`]);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toMatch(
      /apps\.ts#config is an object \(Object with port, name\), not an app/,
    );
  });

  it('a file without a default export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-cli-'));
    writeFileSync(join(dir, 'only-named.mjs'), 'export const api = () => [];\n');
    const { code, stderr } = await runCli(['serve', join(dir, 'only-named.mjs')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no default export; it exports api\n$/);
  });

  it('a class, a number: each named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-cli-'));
    writeFileSync(join(dir, 'shapes.mjs'), 'export class Greeter {}\nexport const answer = 42;\n');
    const asClass = await runCli(['serve', `${join(dir, 'shapes.mjs')}#Greeter`]);
    expect(asClass.stderr).toMatch(/is a class \(Greeter\), not an app: export fromClass\(Greeter\)/);
    const asNumber = await runCli(['serve', `${join(dir, 'shapes.mjs')}#answer`]);
    expect(asNumber.stderr).toMatch(/is a number, not an app/);
  });

  it('a module that throws on import: the first line names the error', async () => {
    const { code, stderr } = await runCli(['serve', app('broken.mjs')]);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe('tsgi: cannot load the app: broken on purpose');
  });
});

describe('tsgi serve', () => {
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

  it('serves a .mjs file', async () => {
    const cli = await serveCli([app('plain.mjs')]);
    expect((await httpRequest(`${cli.url}/x`)).text).toBe('js /x\n');
  });

  it('honours PORT and HOST', async () => {
    const port = await freePort();
    const cli = await serveCli([app('plain.mjs')].concat([]), { PORT: String(port), HOST: '127.0.0.1' });
    // --port 0 from serveCli wins over $PORT: a flag beats the environment
    expect(cli.url).not.toBe(`http://127.0.0.1:${port}`);
    const { start } = await import('../helpers/tsgi-process.js');
    const { BIN } = await import('../helpers/tsgi-process.js');
    const fromEnv = start([BIN, 'serve', app('plain.mjs')], { PORT: String(port), HOST: '127.0.0.1' });
    await fromEnv.waitFor(new RegExp(`Serving on http://127\\.0\\.0\\.1:${port}`));
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
