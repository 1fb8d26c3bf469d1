// The lingering close reads what the client still sends only to let it see the answer: bounded
// in time (LINGER_TIME) and in bytes (LINGER_BYTES), so a client on a fast link cannot make a
// closing connection read gigabytes.
import { connect, type Socket } from 'node:net';
import { type App, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LINGER_BYTES } from '../../packages/core/src/servers/node/closing.js';
import { startServer, stopAll, track } from '../helpers/server.js';

afterEach(stopAll);

const never: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['never'];
};

const MiB = 1024 * 1024;

describe('the lingering close', () => {
  it('stops reading after LINGER_BYTES, not only after LINGER_TIME', async () => {
    const server = await startServer(validate(never), { maxBodySize: 1024 });
    const serverSide = new Promise<Socket>((resolve) => server.server.once('connection', resolve));
    // a client that goes on sending after the server's FIN (half-open), as fast as it can
    const client = track(connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }));
    client.on('error', () => {});
    let received = '';
    client.on('data', (data: Buffer) => {
      received += data.toString('latin1');
    });
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${4096 * MiB}\r\n\r\n`);
    const chunk = Buffer.alloc(MiB, 'x');
    for (let sent = 0; sent < 4 * LINGER_BYTES && !client.destroyed; sent += MiB) {
      if (!client.write(chunk)) await Promise.race([new Promise((r) => client.once('drain', r)), closed]);
    }
    client.end();
    const socket = await serverSide;
    if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    // the bound, and what one check interval lets through on a fast loopback
    expect(socket.bytesRead).toBeLessThan(LINGER_BYTES + 32 * MiB);
    expect(server.environs).toEqual([]);
  });
});
