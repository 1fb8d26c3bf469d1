// runCgi, run for real: lighttpd (Debian's package, mod_cgi) executes test/fixtures/cgi/app.cgi,
// which runs the tsgi app in app.ts; the test speaks HTTP to lighttpd.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onFreePort } from '../helpers/ports.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/cgi');

function findLighttpd(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs.map((dir) => join(dir, 'lighttpd')).find((path) => existsSync(path));
  if (found === undefined) {
    // required everywhere (CI installs it in .ci/run): a missing CGI server must fail, not skip
    throw new Error('lighttpd is not installed: apt-get install -y lighttpd');
  }
  return found;
}

interface Lighttpd {
  url: string;
  stop(): Promise<void>;
}

/** lighttpd on a free port; another one if that was taken before lighttpd could bind it. */
function startLighttpd(): Promise<Lighttpd> {
  return onFreePort(startLighttpdOn);
}

async function startLighttpdOn(port: number): Promise<Lighttpd> {
  const binary = findLighttpd();
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-cgi-'));
  const config = join(dir, 'lighttpd.conf');
  await writeFile(
    config,
    [
      'server.modules = ("mod_alias", "mod_setenv", "mod_cgi")',
      `server.document-root = "${dir}"`,
      'server.bind = "127.0.0.1"',
      `server.port = ${port}`,
      `server.errorlog = "${join(dir, 'error.log')}"`,
      `alias.url = ("/cgi-bin/" => "${FIXTURES}/")`,
      // no keep-alive: else lighttpd lingers seconds before closing a connection whose response fell short
      'server.max-keep-alive-requests = 0',
      // run through sh: no executable bit needed; node found on the PATH given to CGI scripts
      'cgi.assign = (".cgi" => "/bin/sh")',
      `setenv.add-environment = ("PATH" => "${dirname(process.execPath)}:/usr/bin:/bin")`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-D', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`lighttpd exited: ${stderr}`);
    }
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`lighttpd did not start: ${stderr}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('runCgi under lighttpd with mod_cgi', () => {
  // each test awaits the server: without lighttpd every test fails (a failing beforeAll would skip them)
  let started: Promise<Lighttpd>;
  beforeAll(() => {
    started = startLighttpd();
    started.catch(() => {});
  });
  afterAll(async () => {
    const lighttpd = await started.catch(() => undefined);
    await lighttpd?.stop();
  });

  it('answers a GET with PATH_INFO and a query, and sends the headers the app set', async () => {
    const lighttpd = await started;
    const response = await fetch(`${lighttpd.url}/cgi-bin/app.cgi/hello/w%20x?x=1&y=%20`, {
      headers: { 'X-Test': 'yes' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-from-app')).toBe('tsgi');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toMatchObject({
      method: 'GET',
      scriptName: '/cgi-bin/app.cgi',
      pathInfo: '/hello/w x',
      query: 'x=1&y=%20',
      scheme: 'http',
      header: 'yes',
      input: '',
      runOnce: true,
      multiprocess: true,
    });
  });

  it('gives a POST body to the app as tsgi.input', async () => {
    const lighttpd = await started;
    const response = await fetch(`${lighttpd.url}/cgi-bin/app.cgi/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'hello, CGI ✓',
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      method: 'POST',
      pathInfo: '/echo',
      contentType: 'text/plain; charset=utf-8',
      contentLength: String(Buffer.byteLength('hello, CGI ✓')),
      input: 'hello, CGI ✓',
    });
  });

  it('answers an app error with a bare 500 that shows no details', async () => {
    const lighttpd = await started;
    const response = await fetch(`${lighttpd.url}/cgi-bin/app.cgi/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain('Internal Server Error');
    expect(text).not.toContain('secret');
  });

  it('leaves a response cut short when the app fails after a Content-Length went out', async () => {
    const lighttpd = await started;
    const response = await fetch(`${lighttpd.url}/cgi-bin/app.cgi/broken?length=100`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('100');
    await expect(response.text()).rejects.toThrow();
  });
});

/** Runs the fixture app as a CGI server would, without one: meta-variables in env, body on stdin. */
function runScript(
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=tsgi-source', '--import', 'tsx', './app.ts'], {
    cwd: FIXTURES,
    env: { PATH: process.env.PATH ?? '', GATEWAY_INTERFACE: 'CGI/1.1', SERVER_PROTOCOL: 'HTTP/1.1', ...env },
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(stdin);
  return new Promise((done) => {
    child.once('close', (code) => done({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

describe('runCgi output, as the CGI server reads it', () => {
  const base = {
    SERVER_NAME: 'example.test',
    SERVER_PORT: '80',
    HTTP_HOST: 'example.test',
    SCRIPT_NAME: '/app.cgi',
    QUERY_STRING: '',
  };

  it('writes a Status line, CRLF headers, a blank line and the body, and reads no more than CONTENT_LENGTH', async () => {
    const { code, stdout } = await runScript(
      {
        ...base,
        REQUEST_METHOD: 'POST',
        PATH_INFO: '/echo',
        CONTENT_LENGTH: '5',
        CONTENT_TYPE: 'text/plain',
      },
      'hello and more than was announced',
    );
    expect(code).toBe(0);
    const text = stdout.toString('utf8');
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')).toEqual([
      'Status: 201 Created',
      'Content-Type: application/json',
      'X-From-App: tsgi',
      'Set-Cookie: a=1',
      'Set-Cookie: b=2',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ]);
    expect(JSON.parse(body)).toMatchObject({ input: 'hello', contentLength: '5', pathInfo: '/echo' });
  });

  it('exits non-zero, with the response cut short, when the app fails after the headers', async () => {
    const { code, stdout, stderr } = await runScript({
      ...base,
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/broken',
    });
    expect(code).not.toBe(0);
    expect(stdout.toString()).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nthe first half, ');
    expect(stderr).toContain('failed halfway');
  });

  it('answers a malformed CONTENT_LENGTH with a 400 before the app runs', async () => {
    const { code, stdout } = await runScript({
      ...base,
      REQUEST_METHOD: 'POST',
      PATH_INFO: '/echo',
      CONTENT_LENGTH: '5x',
      HTTP_ACCEPT: 'application/json',
    });
    expect(code).toBe(0);
    // the page a thrown BadRequest renders, negotiated the same way
    const [head, body] = stdout.toString().split('\r\n\r\n');
    expect(head).toMatch(/^Status: 400 Bad Request\r\n/);
    expect(head).toContain('Vary: Accept');
    expect(JSON.parse(body as string)).toEqual({
      error: { status: 400, message: 'Content-Length is not a number' },
    });
  });

  it('answers 500 for a header value holding CR LF, and writes no injected header to standard output', async () => {
    const { code, stdout, stderr } = await runScript({
      ...base,
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/inject',
    });
    expect(code).toBe(0);
    expect(stdout.toString()).toMatch(/^Status: 500 Internal Server Error\r\n/);
    expect(stdout.toString()).not.toMatch(/X-Injected|X-A/i);
    expect(stderr).toContain('free of CR, LF and NUL');
  });

  it('sends error details to stderr only', async () => {
    const { stdout, stderr } = await runScript({ ...base, REQUEST_METHOD: 'GET', PATH_INFO: '/boom' });
    expect(stdout.toString()).toMatch(/^Status: 500 Internal Server Error\r\n/);
    expect(stdout.toString()).not.toContain('secret');
    expect(stderr).toContain('secret detail from the app');
  });
});
