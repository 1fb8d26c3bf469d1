// examples/proxy: a balancer in front of three backend processes it started itself.
import { type ServerHandle, serve } from '@tsgi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../../examples/proxy/balancer.js';

describe('examples/proxy', () => {
  let balancer: Balancer;
  let server: ServerHandle;
  const events: string[] = [];
  beforeAll(async () => {
    balancer = await startBalancer({ errors: { write: (line) => events.push(line) } });
    server = await serve(balancer.app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await balancer?.close();
  });

  const answer = async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    return (await response.json()) as { backend: string; pid: number; forwardedFor: string };
  };

  it('goes round the three backends in turn, each a process of its own', async () => {
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await answer());
    expect(seen.map((a) => a.backend)).toEqual(['b1', 'b2', 'b3', 'b1', 'b2', 'b3']);
    expect(new Set(seen.map((a) => a.pid)).size).toBe(3);
    expect(seen[0]?.forwardedFor).toBe('127.0.0.1'); // X-Forwarded-For appended
  });

  it('fails over when a backend is stopped: every request is still answered, by the others', async () => {
    const stopped = balancer.backends[1];
    await stopped?.stop();
    const after = [];
    for (let i = 0; i < 6; i++) after.push((await answer()).backend);
    expect(after).not.toContain('b2');
    expect(new Set(after)).toEqual(new Set(['b1', 'b3']));
    // ejected by the refused connection, and kept out by the health check
    expect(events.join('')).toContain(`proxy: ejected ${stopped?.url}`);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a probe round or more
    for (let i = 0; i < 4; i++) expect((await answer()).backend).not.toBe('b2');
  });
});
