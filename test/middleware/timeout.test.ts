import { getEventListeners } from 'node:events';
import { type App, validate } from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { timeout } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, trackClose } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

describe('timeout', () => {
  it('answers 503 when the app has not started in time, aborts its signal, and closes a late body', async () => {
    const aborted = deferred<unknown>();
    const late = trackClose(['too late']);
    const lateBodyReturned = deferred();
    const slow: App = async (environ, startResponse) => {
      environ['tsgi.signal'].addEventListener('abort', () => aborted.resolve(environ['tsgi.signal'].reason));
      await aborted.promise; // a well-behaved app: it stops when told, then answers
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      setTimeout(lateBodyReturned.resolve, 0);
      return late.body;
    };
    // no validate() inside: its body comes after the response ended, when the validator's
    // close check has already run; the close is checked here by hand instead
    const response = await request(validate(timeout({ ms: 30 })(slow)));
    expect(response.status).toBe(503);
    expect(response.text()).not.toContain('too late');
    expect(((await aborted.promise) as DOMException).name).toBe('TimeoutError');
    await lateBodyReturned.promise;
    await late.closed;
    expect(late.closeCount).toBe(1);
  });

  it('passes an app that answers in time, and clears its timer', async () => {
    const quick: App = async (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['quick'];
    };
    const response = await request(validate(timeout({ ms: 1000 })(validate(quick))));
    expect(response.text()).toBe('quick');
  });

  it('bounds the start of the response only: a slow stream after it is fine', async () => {
    const streaming: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'a';
        await new Promise((resolve) => setTimeout(resolve, 60));
        yield 'b';
      })();
    };
    expect((await request(validate(timeout({ ms: 20 })(validate(streaming))))).text()).toBe('ab');
  });

  it('lets an app’s error through when it comes in time', async () => {
    const failing: App = async () => {
      throw new Error('broke');
    };
    const response = await request(validate(timeout({ ms: 1000 })(failing)), { rethrow: false });
    expect(response.status).toBe(500);
  });

  it('leaves no listener on the connection’s shared signal once the body is done', async () => {
    const connection = new AbortController();
    const environ = mockEnviron({ environ: { 'tsgi.signal': connection.signal } });
    const quick: App = async (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['x'];
    };
    const body = await timeout({ ms: 1000 })(quick)(environ, () => () => {});
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(1); // while it is sent
    await body.close?.();
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the shared signal when the app throws synchronously, or its head is refused', async () => {
    const connection = new AbortController();
    const environ = () => mockEnviron({ environ: { 'tsgi.signal': connection.signal } });
    const throwing: App = () => {
      throw new Error('broke at once');
    };
    expect(() => timeout({ ms: 1000 })(throwing)(environ(), () => () => {})).toThrow('broke at once');
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
    const quick: App = async (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['x'];
    };
    const refusing = () => {
      throw new TypeError('head refused');
    };
    await expect(timeout({ ms: 1000 })(quick)(environ(), refusing)).rejects.toThrow('head refused');
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it('checks ms', () => {
    expect(() => timeout({ ms: 0 })).toThrow(/ms must be a positive number/);
    expect(() => timeout({ ms: Number.POSITIVE_INFINITY })).toThrow(/ms/);
    expect(() => timeout(undefined as never)).toThrow(/options \{ ms \} are required/);
  });

  it('over a socket: the client gets a whole 503 in time, and the app’s signal aborts', async () => {
    const aborted = deferred<unknown>();
    const hanging: App = (environ) =>
      new Promise((_resolve, reject) => {
        environ['tsgi.signal'].addEventListener('abort', () => {
          aborted.resolve(environ['tsgi.signal'].reason);
          reject(environ['tsgi.signal'].reason);
        });
      });
    const server = await startServer(validate(timeout({ ms: 50 })(validate(hanging))));
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const response = await connection.response();
    expect(response.status).toBe(503);
    expect(response.complete).toBe(true);
    expect(((await aborted.promise) as DOMException).name).toBe('TimeoutError');
  });

  it('over a socket: a client that leaves during the wait aborts the app’s signal too', async () => {
    const aborted = deferred<unknown>();
    const started = deferred();
    const hanging: App = (environ) =>
      new Promise((_resolve, reject) => {
        started.resolve();
        environ['tsgi.signal'].addEventListener('abort', () => {
          aborted.resolve('gone');
          reject(new Error('stopped'));
        });
      });
    const server = await startServer(validate(timeout({ ms: 5000 })(hanging)));
    const connection = await RawConnection.open(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await started.promise;
    connection.destroy();
    expect(await aborted.promise).toBe('gone');
  });
});
