// The Host header: one request names one host (RFC 9112 §3.2), and an absolute-form target's
// authority wins over it (§3.2.2), so an app never builds URLs from a host the client hid.
import { type App, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const host: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [String(environ.HTTP_HOST)];
};

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

describe('Host', () => {
  it.each([
    ['two different Host headers', 'Host: good.example\r\nHost: evil.example'],
    ['the same Host twice', 'Host: good.example\r\nHost: good.example'],
    ['Host in two spellings', 'Host: good.example\r\nhost: evil.example'],
  ])('refuses %s with 400 before any app runs, and closes', async (_, headers) => {
    const server = await startServer(validate(host));
    const connection = await RawConnection.open(server.port);
    connection.write(`GET / HTTP/1.1\r\n${headers}\r\n\r\n${SMUGGLED}`);
    await connection.whenClosed;
    const text = connection.received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(server.environs).toEqual([]);
  });

  it('takes the host of an absolute-form target, not the Host header', async () => {
    const server = await startServer(validate(host));
    const connection = await RawConnection.open(server.port);
    connection.write('GET http://real.example:8080/a?b=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n');
    const response = await connection.response();
    expect([response.status, response.body.toString()]).toEqual([200, 'real.example:8080']);
    expect(server.environs[0]?.PATH_INFO).toBe('/a');
  });

  it('refuses an absolute-form target without a host', async () => {
    const server = await startServer(validate(host));
    const connection = await RawConnection.open(server.port);
    connection.write('GET http:///a HTTP/1.1\r\nHost: evil.example\r\n\r\n');
    expect((await connection.response()).status).toBe(400);
    expect(server.environs).toEqual([]);
  });

  it('keeps one Host as sent', async () => {
    const server = await startServer(validate(host));
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: site.example\r\n\r\n');
    expect((await connection.response()).body.toString()).toBe('site.example');
  });
});
