import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { accessLog } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, trackClose } from '../helpers/bodies.js';
import { readFirstChunkThenLeave } from '../helpers/http.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const hello: App = (_e, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

describe('accessLog', () => {
  it('writes one Common Log Format line to tsgi.errors by default, at the end', async () => {
    const response = await request(validate(accessLog()(validate(hello))), { url: '/a?b=1' });
    expect(response.log).toMatch(
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/a\?b=1 HTTP\/1\.1" 200 5 \d+\.\dms\n$/,
    );
  });

  it('writes JSON and combined lines to a stream', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    await request(validate(accessLog({ format: 'json', stream })(hello)), {
      headers: { 'User-Agent': 'probe' },
    });
    const record = JSON.parse(lines[0] as string);
    expect(record).toMatchObject({
      method: 'GET',
      status: 200,
      bytes: 5,
      outcome: 'finished',
      user_agent: 'probe',
    });
    await request(validate(accessLog({ format: 'combined', stream })(hello)), {
      headers: { Referer: 'http://x/', 'User-Agent': 'ua' },
    });
    expect(lines[1]).toContain('"http://x/" "ua"');
  });

  it('escapes what could forge a log line (quotes, non-ASCII; the target stays encoded)', async () => {
    const lines: string[] = [];
    await request(
      validate(accessLog({ format: 'combined', stream: { write: (l: string) => lines.push(l) } })(hello)),
      {
        url: '/a%0A127.0.0.1',
        headers: { 'User-Agent': 'x" 200 0 "forged\u00e9' },
      },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split('\n')).toHaveLength(2); // the line and the empty string after its \n
    expect(lines[0]).toContain('"GET /a%0A127.0.0.1 HTTP/1.1"');
    expect(lines[0]).toContain('"x\\x22 200 0 \\x22forged\\xc3\\xa9"');
  });

  it('never waits on the stream: a stream that never drains or throws does not hold or fail the response', async () => {
    const stuck = { write: () => new Promise<never>(() => {}) };
    expect((await request(validate(accessLog({ stream: stuck })(hello)))).text()).toBe('hello');
    const failing = {
      write: () => {
        throw new Error('disk full');
      },
    };
    expect((await request(validate(accessLog({ stream: failing })(hello)))).text()).toBe('hello');
  });

  it('logs an app that throws as a 500 error and lets the error go on', async () => {
    const lines: string[] = [];
    const app = accessLog({ format: 'json', stream: { write: (l: string) => lines.push(l) } })(() => {
      throw new Error('broken');
    });
    const response = await request(validate(app), { rethrow: false });
    expect(response.status).toBe(500);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ status: 500, outcome: 'error' });
  });

  it('keeps a sync array body an array (no promise, the same chunks)', () => {
    const result = accessLog({ stream: { write: () => {} } })(hello)({} as never, () => () => {});
    expect(Array.isArray(result)).toBe(true);
  });

  it('checks its options', () => {
    expect(() => accessLog({ format: 'apache' as never })).toThrow(
      /format must be one of common, combined, json/,
    );
    expect(() => accessLog({ stream: {} as never })).toThrow(/stream must have a write/);
  });

  it('over a socket: a client that leaves mid-body is logged as incomplete, with the bytes sent', async () => {
    const lines: string[] = [];
    const logged = deferred();
    const tracked = trackClose(
      (async function* () {
        yield 'first chunk';
        await new Promise((resolve) => setTimeout(resolve, 300));
        yield 'never';
      })(),
    );
    const app = accessLog({
      format: 'json',
      stream: {
        write: (line: string) => {
          lines.push(line);
          logged.resolve();
        },
      },
    })(
      validate((_e, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return tracked.body;
      }),
    );
    const server = await startServer(validate(app));
    expect(await readFirstChunkThenLeave(`${server.url}/stream`)).toContain('first chunk');
    await logged.promise;
    expect(JSON.parse(lines[0] as string)).toMatchObject({ status: 200, bytes: 11, outcome: 'closed' });
    expect(tracked.closeCount).toBe(1);
  });
});
