import {
  type App,
  type Body,
  type Chunk,
  finishValidation,
  type ResponseSink,
  runApp,
  validate,
} from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';
import { acceptAll, hello, iterate, textApp, violationOf } from './validate-harness.js';

const text = [['Content-Type', 'text/plain']] as [string, string][];

/** A generator body that counts how many chunks were pulled from it and whether it was stopped. */
function counted(chunks: Chunk[]) {
  const state = { pulled: 0, finallyRan: false };
  function* body() {
    try {
      for (const chunk of chunks) {
        state.pulled++;
        yield chunk;
      }
    } finally {
      state.finallyRan = true;
    }
  }
  return { state, body };
}

describe('validate: valid apps pass untouched', () => {
  const apps: Record<string, App> = {
    'an array body': hello,
    'a generator': textApp(() =>
      (function* () {
        yield 'hel';
        yield 'lo';
      })(),
    ),
    'an async generator': textApp(() =>
      (async function* () {
        yield 'hel';
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield new TextEncoder().encode('lo');
      })(),
    ),
    'startResponse called lazily, inside the iterator': (_environ, startResponse) =>
      (async function* () {
        yield ''; // an empty chunk before startResponse is fine: it sends nothing
        startResponse('200 OK', text);
        yield 'hello';
      })(),
    'write() before the body': (_environ, startResponse) => {
      const write = startResponse('200 OK', text);
      write('hel');
      return ['lo'];
    },
    'an async app': async (environ, startResponse) => {
      await Promise.resolve();
      return hello(environ, startResponse);
    },
    'a Content-Length that matches': (_environ, startResponse) => {
      startResponse('200 OK', [...text, ['Content-Length', '5']]);
      return (function* () {
        yield 'hello';
      })();
    },
    'an error replacing headers not yet sent': (_environ, startResponse) => {
      startResponse('200 OK', text);
      startResponse('200 OK', text, new Error('changed my mind'));
      return ['hello'];
    },
  };
  for (const [name, app] of Object.entries(apps)) {
    it(name, async () => {
      const response = await request(validate(app));
      expect(response.status).toBe(200);
      expect(response.text()).toBe('hello');
    });
  }

  it('HEAD, 204 and 304 with their headers', async () => {
    const app: App = (environ, startResponse) => {
      if (environ.PATH_INFO === '/gone') startResponse('204 No Content', []);
      else if (environ.PATH_INFO === '/same') startResponse('304 Not Modified', [['Content-Length', '5']]);
      else startResponse('200 OK', [...text, ['Content-Length', '5']]);
      return []; // HEAD may leave the body out, with the GET's Content-Length
    };
    expect((await request(app, { method: 'HEAD' })).headers.get('content-length')).toBe('5');
    expect((await request(app, { url: '/gone' })).status).toBe(204);
    expect((await request(app, { url: '/same' })).status).toBe(304);
  });

  it('OPTIONS * (the one request with an empty path)', async () => {
    const response = await request(
      (environ, startResponse) => {
        startResponse('204 No Content', [['Allow', 'GET, OPTIONS']]);
        return [environ.PATH_INFO];
      },
      { method: 'OPTIONS', url: '*' },
    );
    expect(response.status).toBe(204);
  });
});

describe('validate: changes no behaviour', () => {
  it('keeps an array an array (so the server sends Content-Length) and a sync body sync', () => {
    const array = validate(hello)(mockEnviron(), acceptAll) as Body;
    expect(Array.isArray(array)).toBe(true);
    const generator = validate(textApp(() => counted(['a']).body()))(mockEnviron(), acceptAll) as Body;
    expect(Symbol.iterator in generator).toBe(true);
    expect(Symbol.asyncIterator in generator).toBe(false);
  });

  it('pulls lazily, one chunk per pull, and passes return() and close() through once', () => {
    const { state, body } = counted(['a', 'b', 'c']);
    let closed = 0;
    const app = textApp(() => Object.assign(body(), { close: () => void closed++ }));
    const environ = mockEnviron();
    const validated = validate(app)(environ, acceptAll) as Body;
    const iterator = iterate(validated) as Iterator<Chunk>;
    expect(state.pulled).toBe(0);
    expect(iterator.next()).toEqual({ done: false, value: 'a' });
    expect(state.pulled).toBe(1);
    iterator.return?.();
    expect(state.finallyRan).toBe(true);
    validated.close?.();
    expect(closed).toBe(1);
    expect(() => finishValidation(environ)).not.toThrow();
  });

  it('an app that stops reading (return()) while a read is pending: the read ending short is no input-too-short', async () => {
    let stop: (() => void) | undefined;
    const stalled: AsyncIterator<Uint8Array> = {
      next: () => new Promise((resolve) => (stop = () => resolve({ done: true, value: undefined }))),
      return: async () => {
        stop?.();
        return { done: true, value: undefined };
      },
    };
    const environ = mockEnviron({
      method: 'POST',
      headers: { 'Content-Length': '5' },
      input: { [Symbol.asyncIterator]: () => stalled },
    });
    const app: App = async (env, startResponse) => {
      const reader = env['tsgi.input'][Symbol.asyncIterator]();
      const pending = reader.next(); // the client sends nothing more
      await reader.return?.();
      await pending;
      startResponse('204 No Content', []);
      return [];
    };
    const body = (await validate(app)(environ, acceptAll)) as Body;
    await body.close?.();
    expect(() => finishValidation(environ)).not.toThrow();
  });

  it('keeps the server synchronous for a synchronous body (runApp returns no promise)', () => {
    const sink: ResponseSink = {
      sendHead() {},
      write: () => true,
      drained: async () => {},
      end() {},
      abort() {},
    };
    expect(runApp(validate(hello), mockEnviron(), sink)).toBeUndefined();
  });

  it('wraps tsgi.input once through nested validators, so readers share one read', async () => {
    const seen: unknown[] = [];
    const inner: App = (environ, startResponse) => {
      seen.push(environ['tsgi.input']);
      return hello(environ, startResponse);
    };
    const outer = validate((environ, startResponse) => {
      seen.push(environ['tsgi.input']);
      return validate(inner)(environ, startResponse);
    });
    await request(outer, { body: 'x' });
    expect(seen[0]).toBe(seen[1]);
  });
});

describe('validate around a middleware', () => {
  const upper =
    (app: App): App =>
    (environ, startResponse) => {
      const body = app(environ, startResponse) as Iterable<Chunk>;
      return Object.assign(
        (function* () {
          for (const chunk of body) yield String(chunk).toUpperCase();
        })(),
        { close: () => (body as Body).close?.() },
      );
    };

  it('passes a middleware that streams and closes what it wraps', async () => {
    const app = textApp(() =>
      (function* () {
        yield 'a';
        yield 'b';
      })(),
    );
    const response = await request(validate(upper(validate(app))));
    expect(response.text()).toBe('AB');
  });

  it('finds a middleware that forgets to close the body it wraps', async () => {
    const leaky =
      (app: App): App =>
      (environ, startResponse) => {
        const body = app(environ, startResponse) as Iterable<Chunk>;
        return [...body]; // reads it all, never closes it
      };
    const violation = await violationOf(() => request(validate(leaky(validate(hello)))));
    expect(violation.rule).toBe('close-not-called');
  });

  it('lets a middleware that must buffer opt out of the streaming rule', async () => {
    const buffering =
      (app: App): App =>
      async (environ, startResponse) => {
        const body = (await app(environ, startResponse)) as AsyncIterable<string> & Body;
        let all = '';
        try {
          for await (const chunk of body) all += chunk;
        } finally {
          await body.close?.();
        }
        return [all];
      };
    const app = textApp(async function* () {
      yield 'a';
      yield 'b';
    });
    const strict = await violationOf(() => request(validate(buffering(validate(app)))));
    expect(strict.rule).toBe('middleware-buffers');
    const relaxed = await request(validate(buffering(validate(app)), { streaming: false }));
    expect(relaxed.text()).toBe('ab');
  });

  it('sees a request made from inside an app as a separate one', async () => {
    const proxy: App = async (_environ, startResponse) => {
      const upstream = await request(hello);
      startResponse('200 OK', text);
      return (function* () {
        yield upstream.text();
        yield '!';
      })();
    };
    expect((await request(validate(proxy))).text()).toBe('hello!');
  });
});

describe('validate and the statuses without a body', () => {
  it('treats 205 Reset Content like 204 and 304: no body bytes, no Content-Type', async () => {
    const withBody = await violationOf(() =>
      request(
        validate((_environ, startResponse) => {
          startResponse('205 Reset Content', []);
          return ['form cleared'];
        }),
      ),
    );
    expect(withBody.rule).toBe('body-for-bodyless-status');
    const typed = await violationOf(() =>
      request(
        validate((_environ, startResponse) => {
          startResponse('205 Reset Content', [['Content-Type', 'text/plain']]);
          return [];
        }),
      ),
    );
    expect(typed.rule).toBe('content-type-bodyless');
  });
});
