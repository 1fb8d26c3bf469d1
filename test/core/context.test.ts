import { setTimeout as sleep } from 'node:timers/promises';
import {
  type App,
  currentEnviron,
  currentRequest,
  handler,
  type Request,
  Response,
  requestContext,
} from '@tsgi/core';
import { describe, expect, it } from 'vitest';
import { withServer } from '../helpers/server.js';

/** Deep in the call chain, with no request passed in. */
async function whoIsAsking(): Promise<string> {
  await sleep(1);
  await Promise.resolve();
  return `${currentRequest().method} ${currentRequest().path}?${currentRequest().query}`;
}

describe('requestContext()', () => {
  it('lets code deep in the call chain reach the request across awaits', async () => {
    const app = requestContext()(handler(async () => Response.text(await whoIsAsking())));
    await withServer(app, async (url) => {
      expect(await (await fetch(`${url}/deep/path?x=1`)).text()).toBe('GET /deep/path?x=1');
    });
  });

  it('gives the same Request object the app gets', async () => {
    let same = false;
    const app = requestContext()(
      handler(async (request) => {
        await sleep(1);
        same = currentRequest() === request && currentEnviron() === request.environ;
        return 'ok';
      }),
    );
    await withServer(app, async (url) => {
      await fetch(url);
      expect(same).toBe(true);
    });
  });

  it('keeps requests that run at the same time apart', async () => {
    // each request waits until all have arrived, so they are surely in flight together
    const arrived: Array<() => void> = [];
    const all = new Promise<void>((resolve) => arrived.push(resolve));
    let count = 0;
    const app = requestContext()(
      handler(async (request) => {
        if (++count === 5) arrived[0]?.();
        await all;
        await sleep(Number(request.query.get('delay')));
        return whoIsAsking();
      }),
    );
    await withServer(app, async (url) => {
      const paths = ['/a', '/b', '/c', '/d', '/e'];
      const answers = await Promise.all(
        paths.map(async (path, i) => (await fetch(`${url}${path}?delay=${(5 - i) * 3}`)).text()),
      );
      expect(answers).toEqual(paths.map((path, i) => `GET ${path}?delay=${(5 - i) * 3}`));
    });
  });

  it('is there while the body streams, after the app returned, and in close()', async () => {
    const seen: string[] = [];
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign(
        (async function* () {
          yield 'start ';
          await sleep(5);
          yield currentRequest().path; // runs long after the app function returned
          await sleep(1);
          yield ` ${currentEnviron().REQUEST_METHOD}`;
        })(),
        { close: () => void seen.push(`closed ${currentRequest().path}`) },
      );
    };
    const syncApp: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (function* () {
        yield `sync ${currentRequest().path}`;
      })();
    };
    await withServer(requestContext()(app), async (url) => {
      expect(await (await fetch(`${url}/streamed`)).text()).toBe('start /streamed GET');
      await expect.poll(() => seen).toEqual(['closed /streamed']);
    });
    await withServer(requestContext()(syncApp), async (url) => {
      expect(await (await fetch(`${url}/gen`)).text()).toBe('sync /gen');
    });
  });

  it('keeps an array body as it is, so it still gets a Content-Length', async () => {
    const body = ['a', 'b'];
    const inner: App = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return body;
    };
    const returned = requestContext()(inner)({} as never, () => () => {});
    expect(returned).toBe(body);
  });

  it('sees the environ as it reaches it: an inner context wins over an outer one', async () => {
    let inner: Request | undefined;
    const mounted = requestContext()(
      handler((request) => {
        inner = currentRequest();
        return request.scriptName;
      }),
    );
    const mount: App = (environ, startResponse) =>
      mounted({ ...environ, SCRIPT_NAME: '/mnt', PATH_INFO: environ.PATH_INFO.slice(4) }, startResponse);
    await withServer(requestContext()(mount), async (url) => {
      expect(await (await fetch(`${url}/mnt/x`)).text()).toBe('/mnt');
      expect(inner?.pathInfo).toBe('/x');
    });
  });

  it('throws a clear error outside a request', () => {
    expect(() => currentRequest()).toThrow(
      'currentRequest() called outside a request: add requestContext() to the stack',
    );
    expect(() => currentEnviron()).toThrow(/currentEnviron\(\) called outside a request/);
  });
});
