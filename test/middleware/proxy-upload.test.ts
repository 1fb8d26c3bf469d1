import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Body, Chunk } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection } from '../helpers/raw.js';
import { stopAll } from '../helpers/server.js';
import { closeProxies, gate, proxyServer, type UpstreamApp, until, upstream } from './proxy-helpers.js';

afterEach(async () => {
  await stopAll();
  await closeProxies();
});

const MiB = 1024 * 1024;
const TOTAL = 100 * MiB;
const STALL_AT = 8 * MiB;

// a full collection on demand, so that memory counts live buffers only, not garbage
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live buffer bytes: V8 frees ArrayBuffers in a sweep after the collection, so take the least of a few. */
async function liveBuffers(): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    least = Math.min(least, process.memoryUsage().arrayBuffers);
  }
  return least;
}

describe('proxy: a 100 MiB upload', () => {
  it('streams through with a bounded read-ahead: a stalled upstream stalls the client', async () => {
    const resume = gate();
    let read = 0;
    let stalled = false;
    const slowReader: UpstreamApp = () => async (environ, startResponse) => {
      for await (const chunk of environ['tsgi.input']) {
        read += chunk.byteLength;
        if (read >= STALL_AT && !stalled) {
          stalled = true;
          await resume.promise; // the upstream stops reading: nothing may pile up in the proxy
        }
      }
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(read)];
    };
    const limits = { maxBodySize: 2 * TOTAL };
    const up = await upstream('a', slowReader, limits);
    const { server } = await proxyServer({ upstreams: [up.url] }, limits);

    const before = await liveBuffers();
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 7); // one buffer, written again and again
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: server.port,
        method: 'PUT',
        path: '/upload',
        headers: { 'Content-Length': String(TOTAL), 'Content-Type': 'application/octet-stream' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text) => {
          body += text;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      const pump = () => {
        while (written < TOTAL) {
          written += chunk.byteLength;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });

    await until(() => stalled, 'the upstream to stall', 8000);
    // wait for the client to stop making progress: backpressure reached it
    let last = -1;
    await until(
      () => {
        const settled = written === last;
        last = written;
        return settled;
      },
      'the client to be held back',
      8000,
      100,
    );
    const held = written - read;
    const grown = (await liveBuffers()) - before;
    // in flight: mostly the kernel's socket buffers on two loopback hops (10-16 MiB measured)
    expect(held).toBeLessThan(24 * MiB);
    expect(written).toBeLessThan(TOTAL / 2);
    // what this process holds in buffers: the proxy's share is a few chunks (the direct path
    // alone measures ~0.3 MiB; a proxy that kept what it read would show 8 MiB and more)
    expect(grown).toBeLessThan(3 * MiB);

    resume.open();
    const response = await answer;
    expect(response).toEqual({ status: 200, body: String(TOTAL) });
  });
});

describe('proxy: a slow client downloading', () => {
  it('holds the upstream back instead of buffering its body', async () => {
    let produced = 0;
    const closed = gate();
    const endless: UpstreamApp = () => (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const chunk = new Uint8Array(64 * 1024).fill(1);
      const body: Body = {
        async *[Symbol.asyncIterator](): AsyncGenerator<Chunk> {
          for (;;) {
            produced += chunk.byteLength;
            yield chunk;
          }
        },
        close: () => closed.open(),
      };
      return body;
    };
    const up = await upstream('a', endless);
    const { server } = await proxyServer({ upstreams: [up.url] });
    const before = await liveBuffers();
    const connection = await RawConnection.open(server.port);
    connection.write('GET /download HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.receivedAtLeast(MiB);
    connection.socket.pause(); // the client stops reading
    let last = -1;
    await until(
      () => {
        const settled = produced === last;
        last = produced;
        return settled;
      },
      'the upstream to be held back',
      8000,
      100,
    );
    const grown = (await liveBuffers()) - before;
    expect(produced - connection.receivedBytes).toBeLessThan(24 * MiB);
    expect(grown).toBeLessThan(4 * MiB);
    connection.destroy();
    await closed.promise; // and the upstream request is cancelled when the client leaves
  });
});
