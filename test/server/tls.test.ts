// HTTPS: serve({ tls }), a listener inside node:https, and tsgi serve --tls-key/--tls-cert, with a
// certificate the test makes with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { type App, type Environ, serve, toNodeListener } from '@tsgi/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runCli, serveCli, stopProcesses } from '../helpers/tsgi-process.js';

let dir: string;
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsgi-tls-'));
  // a self-signed certificate for 127.0.0.1, valid a day
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await stopProcesses();
});

let seen: Environ | undefined;
const app: App = (environ, startResponse) => {
  seen = environ;
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`${environ['tsgi.url_scheme']} ${environ.PATH_INFO}`];
};

/** GET over TLS trusting only the test's certificate. */
function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: cert, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

// ceilings for a loaded machine (each test takes a few seconds)
describe('HTTPS', { timeout: 60_000 }, () => {
  it('serve({ tls }) speaks TLS, with tsgi.url_scheme https', async () => {
    const server = await serve(app, { port: 0, tls: { key, cert } });
    closers.push(() => server.close());
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await get(`${server.url}/secure`);
    expect(response).toEqual({ status: 200, text: 'https /secure' });
    expect(seen?.SERVER_PORT).toBe(String(server.port));
  });

  it('refuses a client that does not trust the certificate', async () => {
    const server = await serve(app, { port: 0, tls: { key, cert } });
    closers.push(() => server.close());
    const untrusting = new Promise((resolve, reject) => {
      httpsRequest(`${server.url}/`, { agent: false }, resolve).on('error', reject).end();
    });
    await expect(untrusting).rejects.toThrow(/self.signed/i);
  });

  it('toNodeListener(app) runs inside an existing node:https server', async () => {
    const listener = toNodeListener(app);
    const server = createHttpsServer({ key, cert }, listener).on('checkContinue', listener.checkContinue);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    expect(await get(`https://127.0.0.1:${port}/embedded`)).toEqual({ status: 200, text: 'https /embedded' });
    expect(seen).toMatchObject({
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(port),
      'tsgi.url_scheme': 'https',
    });
  });

  it('tsgi serve --tls-key --tls-cert', async () => {
    const cli = await serveCli([
      `${FIXTURES}apps.ts`,
      '--tls-key',
      join(dir, 'key.pem'),
      '--tls-cert',
      join(dir, 'cert.pem'),
    ]);
    expect(cli.url).toMatch(/^https:/);
    const response = await get(`${cli.url}/cli`);
    expect(JSON.parse(response.text)).toMatchObject({ scheme: 'https', path: '/cli' });
  });

  it('tsgi serve --workers 2 over TLS', async () => {
    const cli = await serveCli([
      `${FIXTURES}apps.ts`,
      '--workers',
      '2',
      '--tls-key',
      join(dir, 'key.pem'),
      '--tls-cert',
      join(dir, 'cert.pem'),
    ]);
    expect(cli.url).toMatch(/^https:/);
    expect(JSON.parse((await get(`${cli.url}/w`)).text)).toMatchObject({
      scheme: 'https',
      multiprocess: true,
    });
  });

  it.each([
    ['a key that is not PEM', 'garbage.pem', 'cert.pem'],
    ['a certificate that is not PEM', 'key.pem', 'garbage.pem'],
    ['the certificate given as the key', 'cert.pem', 'cert.pem'],
  ])('tsgi serve --workers with %s: one line naming the flags, exit 2, no worker forked', async (_, k, c) => {
    writeFileSync(join(dir, 'garbage.pem'), 'not a PEM file\n');
    const { code, stderr } = await runCli([
      'serve',
      `${FIXTURES}plain.mjs`,
      '--workers',
      '2',
      '--port',
      '0',
      '--tls-key',
      join(dir, k),
      '--tls-cert',
      join(dir, c),
    ]);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(/^tsgi: --tls-key and --tls-cert: \S/);
    expect(stderr).not.toMatch(/worker/);
  });

  it('closes lingeringly over TLS too: a client still sending its upload reads its 413', async () => {
    const refuse: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['never'];
    };
    const server = await serve(refuse, {
      port: 0,
      tls: { key, cert },
      maxBodySize: 1024,
      errors: { write() {} },
    });
    closers.push(() => server.close());
    for (let run = 0; run < 5; run++) {
      const outcome = await new Promise<{ text: string; reset: boolean }>((resolve) => {
        const socket = tlsConnect({ port: server.port, host: '127.0.0.1', ca: cert });
        let text = '';
        let reset = false;
        socket.on('data', (data: Buffer) => {
          text += data.toString('latin1');
        });
        socket.on('error', () => {
          reset = true;
        });
        socket.on('close', () => resolve({ text, reset }));
        socket.once('secureConnect', async () => {
          // like curl: the whole body first, the answer read after
          socket.pause();
          socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
          for (let i = 0; i < 16 && !socket.destroyed; i++) {
            if (!socket.write(Buffer.alloc(256 * 1024, 'x'))) {
              await Promise.race([
                new Promise((r) => socket.once('drain', r)),
                new Promise((r) => setTimeout(r, 1000)),
              ]);
            }
          }
          socket.resume();
          socket.end();
        });
      });
      expect(outcome.text, `run ${run}`).toMatch(/^HTTP\/1\.1 413 /);
      expect(outcome.reset, `run ${run}`).toBe(false);
    }
  });
});
