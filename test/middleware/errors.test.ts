import { type App, Forbidden, ServiceUnavailable, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { errors } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const boom: App = () => {
  throw new Error('secret database password in here');
};

describe('errors', () => {
  it('answers a plain 500 without detail, and logs the error once with the request line', async () => {
    const response = await request(validate(errors()(validate(boom))), { url: '/orders/7?x=1' });
    expect(response.status).toBe(500);
    expect(response.text()).not.toContain('secret');
    const lines = response.log.split('\n').filter((line) => line.includes('secret database password'));
    expect(lines).toHaveLength(1);
    expect(response.log).toContain('errors: GET "/orders/7" HTTP/1.1: Error: secret database password');
  });

  it('renders an HTTPError by Accept (JSON or HTML), without logging a 4xx', async () => {
    const app = validate(
      errors()(() => {
        throw new Forbidden('Not yours');
      }),
    );
    const json = await request(app, { headers: { Accept: 'application/json' } });
    expect(json.status).toBe(403);
    expect(json.json()).toEqual({ error: { status: 403, message: 'Not yours' } });
    expect(json.log).toBe('');
    const html = await request(app);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.text()).toContain('Not yours');
  });

  it('logs a thrown 5xx HTTPError once', async () => {
    const app = errors()(async () => {
      throw new ServiceUnavailable('db down');
    });
    const response = await request(validate(app));
    expect(response.status).toBe(503);
    expect(response.log.match(/db down/g)).toHaveLength(1);
  });

  it('logs a 5xx HTTPError thrown by a lazy body before it started its response, once', async () => {
    for (const lazy of [
      // biome-ignore lint/correctness/useYield: it fails before its first chunk
      function* () {
        throw new ServiceUnavailable('db down (sync)');
      },
      // biome-ignore lint/correctness/useYield: it fails before its first chunk
      async function* () {
        throw new ServiceUnavailable('db down (async)');
      },
    ]) {
      const app: App = () => lazy();
      const response = await request(validate(errors()(validate(app))));
      expect(response.status).toBe(503);
      expect(response.log.match(/errors: GET "\/" HTTP\/1.1: .*db down/g)).toHaveLength(1);
    }
  });

  it('with debug, shows the stack and the environ, escaped', async () => {
    const app = errors({ debug: true })((environ) => {
      throw new Error(`<script>alert(${environ.PATH_INFO})</script>`);
    });
    const response = await request(validate(app), {
      url: '/x',
      headers: { 'X-Evil': '<img src=x onerror=alert(1)>' },
    });
    expect(response.status).toBe(500);
    const page = response.text();
    expect(page).toContain('&lt;script&gt;alert(/x)&lt;/script&gt;');
    expect(page).toContain('HTTP_X_EVIL');
    expect(page).not.toContain('<img src=x');
  });

  it('turns an error in the body before any byte into the error page, closing the body once', async () => {
    let closed = 0;
    const app: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign(
        (function* () {
          yield '';
          throw new Error('late failure');
        })(),
        { close: () => void closed++ },
      );
    };
    const response = await request(validate(errors()(validate(app))));
    expect(response.status).toBe(500);
    expect(response.complete).toBe(true);
    expect(response.log.match(/late failure/g)).toHaveLength(1);
    expect(closed).toBe(1);
  });

  it('answers an app whose headers the server refuses (header injection) with a 500, closing its body', async () => {
    const tracked = trackClose(['x']);
    const injecting: App = (_e, startResponse) => {
      startResponse('200 OK', [['X-Note', 'a\r\nSet-Cookie: admin=1']]);
      return tracked.body;
    };
    // the validators around it note the app's violation; the client gets a clean 500
    const response = await request(errors()(injecting), { rethrow: false });
    expect(response.status).toBe(500);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.log).toContain('errors: GET "/" HTTP/1.1: ');
    expect(tracked.closeCount).toBe(1);
  });

  it('passes a sync array body through untouched (same array, no promise)', () => {
    const body = ['hello'];
    const app: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return body;
    };
    const result = errors()(app)({} as never, () => () => {});
    expect(result).toBe(body);
  });

  it('over a socket: an error after the headers went out aborts the response, logged once', async () => {
    const tracked = trackClose(
      (async function* () {
        yield 'partial ';
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error('midway');
      })(),
    );
    const server = await startServer(
      validate(
        errors()(
          validate((_e, startResponse) => {
            startResponse('200 OK', [['Content-Type', 'text/plain']]);
            return tracked.body;
          }),
        ),
      ),
    );
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const response = await connection.response();
    expect(response.status).toBe(200);
    expect(response.complete).toBe(false);
    await tracked.closed;
    expect(tracked.closeCount).toBe(1);
    expect(server.logs.join('').match(/midway/g)).toHaveLength(1);
  });

  it('checks its options', () => {
    expect(() => errors({ debug: 'yes' as unknown as boolean })).toThrow(/debug must be a boolean/);
  });
});
