import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
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

    gc();
    const before = process.memoryUsage();
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
    gc();
    const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    // in flight: the kernel's socket buffers on two loopback hops (some MiB), and read-aheads
    expect(held).toBeLessThan(16 * MiB);
    expect(written).toBeLessThan(TOTAL / 2);
    // what this process holds in buffers: the proxy's share is a few chunks (the direct path
    // alone measures ~0.3 MiB; a proxy that kept what it read would show 8 MiB and more)
    expect(grown).toBeLessThan(3 * MiB);

    resume.open();
    const response = await answer;
    expect(response).toEqual({ status: 200, body: String(TOTAL) });
  });
});
