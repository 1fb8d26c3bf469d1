import {
  type App,
  type Body,
  bufferBody,
  type Chunk,
  capture,
  carryBodyRead,
  closeBody,
  type Middleware,
  mapChunks,
  mapResponse,
  markBuffered,
  NotFound,
  onBodyDone,
  Request,
  send,
  transformBody,
  Unauthorized,
  validate,
} from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { withServer } from '../helpers/server.js';
import { acceptAll, violationOf } from './validate-harness.js';

const poweredBy = mapResponse((response) => {
  response.appendHeader('X-Powered-By', 'tsgi');
});

/** A body that records how it ended. */
function tracked(chunks: Chunk[], kind: 'sync' | 'async' = 'sync') {
  const log: string[] = [];
  function* each() {
    try {
      for (const chunk of chunks) yield chunk;
      log.push('finished');
    } finally {
      log.push('finally');
    }
  }
  const close = () => {
    log.push('close');
  };
  const body: Body =
    kind === 'sync'
      ? { [Symbol.iterator]: each, close }
      : {
          async *[Symbol.asyncIterator]() {
            yield* each();
          },
          close,
        };
  return { body, log };
}

async function drain(body: Body): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body as AsyncIterable<Chunk>) text += String(chunk);
  } finally {
    await body.close?.();
  }
  return text;
}

describe('capture', () => {
  it('gives back a synchronous array response synchronously, the very same array', () => {
    const chunks = ['hello'];
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return chunks;
    };
    const response = capture(app, mockEnviron());
    expect(response).not.toBeInstanceOf(Promise);
    if (response instanceof Promise) return;
    expect(response.code).toBe(200);
    expect(response.getHeader('content-type')).toBe('text/plain');
    expect(response.body).toBe(chunks);
  });

  it('never changes the header list the app gave (it may be a constant)', async () => {
    const HEADERS: [string, string][] = [['Content-Type', 'text/plain']];
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', HEADERS);
      return ['x'];
    };
    for (let i = 0; i < 2; i++) {
      const response = await request(poweredBy(app));
      expect(response.headerList.filter(([name]) => name === 'X-Powered-By')).toHaveLength(1);
    }
    expect(HEADERS).toEqual([['Content-Type', 'text/plain']]);
  });

  it('pulls a sync body until a lazy startResponse has been called', async () => {
    const app: App = (_environ, startResponse) =>
      (function* () {
        yield '';
        startResponse('201 Created', [['Content-Type', 'text/plain']]);
        yield 'a';
        yield 'b';
      })();
    const response = await capture(app, mockEnviron());
    expect(response.status).toBe('201 Created');
    expect(await drain(response.body)).toBe('ab');
  });

  it('pulls an async body until a lazy startResponse has been called', async () => {
    const app: App = async (_environ, startResponse) =>
      (async function* () {
        await Promise.resolve();
        startResponse('202 Accepted', [['Content-Type', 'text/plain']]);
        yield 'late';
      })();
    const response = await capture(app, mockEnviron());
    expect(response.code).toBe(202);
    expect(await drain(response.body)).toBe('late');
  });

  it('folds write() output into the body in order, before and during iteration', async () => {
    const app: App = (_environ, startResponse) => {
      const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
      write('1');
      write('2');
      return (function* () {
        yield '3';
        write('4');
        yield '5';
      })();
    };
    const response = await request(validate(poweredBy(validate(app))));
    expect(response.text()).toBe('12345');
    expect(response.headers.get('x-powered-by')).toBe('tsgi');
  });

  it('puts write() output before an array body', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']])('head ');
      return ['tail'];
    };
    const response = await request(validate(poweredBy(validate(app))));
    expect(response.text()).toBe('head tail');
    expect(response.headers.get('content-length')).toBe('9');
  });

  it('passes the error argument of a replaced response on', async () => {
    const cause = new Error('half-way');
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      startResponse('500 Internal Server Error', [['Content-Type', 'text/plain']], cause);
      return ['failed'];
    };
    const seen: unknown[] = [];
    const response = await capture(app, mockEnviron());
    expect(response.code).toBe(500);
    expect(response.error).toBe(cause);
    send(response, (_status, _headers, error) => {
      seen.push(error);
      return () => {};
    });
    expect(seen).toEqual([cause]);
  });

  it('refuses a second startResponse without an error, as a server does', () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', []);
      startResponse('200 OK', []);
      return [];
    };
    expect(() => capture(app, mockEnviron())).toThrow(/second time/);
  });

  it('refuses a startResponse from outside an array response, sent or not (an array runs no code)', () => {
    let late: ((error: unknown) => void) | undefined;
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      late = (error) => startResponse('500 Internal Server Error', [], error);
      return ['done'];
    };
    const response = capture(app, mockEnviron());
    if (response instanceof Promise) throw new Error('an array app is captured synchronously');
    expect(() => late?.(new Error('timer'))).toThrow(/after the app returned an array body/);
    const outer: unknown[] = [];
    send(response, (status) => {
      outer.push(status);
      return () => {};
    });
    expect(() => late?.(new Error('timer'))).toThrow(/after the app returned an array body/);
    expect(response.code).toBe(200);
    expect(outer).toEqual(['200 OK']);
  });

  it('waits for an array with a `then`, as the server does: it is a promise of a body', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      const thenable = Object.assign(['stale'], {
        // biome-ignore lint/suspicious/noThenProperty: the thenable is what this test is about
        then: (resolve: (body: Body) => void) => resolve(['fresh']),
      });
      return thenable as unknown as Body;
    };
    const upper = mapResponse((response) => {
      response.body = mapChunks(response.body, (chunk) => String(chunk).toUpperCase());
    });
    expect((await request(upper(app))).text()).toBe('FRESH');
    expect((await request(upper(validate(app)))).text()).toBe('FRESH');
  });

  it('waits for a Promise<Body>', async () => {
    const app: App = async (_environ, startResponse) => {
      await Promise.resolve();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['later'];
    };
    const response = await request(validate(poweredBy(validate(app))));
    expect(response.text()).toBe('later');
    expect(response.headers.get('x-powered-by')).toBe('tsgi');
  });

  it('names an app that ends its body without calling startResponse, and closes the body', async () => {
    const { body, log } = tracked(['']);
    const app: App = () => body;
    expect(() => capture(app, mockEnviron())).toThrow(/without calling startResponse/);
    expect(log).toContain('close');
  });
});

describe('errors as responses', () => {
  const throwing: Record<string, App> = {
    'thrown synchronously': () => {
      throw new Unauthorized('who are you?');
    },
    rejected: async () => {
      throw new Unauthorized('who are you?');
    },
    'thrown inside a lazy body': () =>
      (function* (): Generator<Chunk> {
        yield ''; // before startResponse, as the contract allows
        throw new Unauthorized('who are you?');
      })(),
  };
  for (const [how, app] of Object.entries(throwing)) {
    it(`gives a header middleware the error page of an HTTPError ${how}`, async () => {
      const response = await request(validate(poweredBy(validate(app))));
      expect(response.status).toBe(401);
      expect(response.headers.get('x-powered-by')).toBe('tsgi');
      expect(response.text()).toContain('who are you?');
    });
  }

  it('renders the error page as JSON when the client prefers it', async () => {
    const app: App = () => {
      throw new NotFound('no such thing');
    };
    const response = await request(poweredBy(app), { headers: { accept: 'application/json' } });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ error: { status: 404, message: 'no such thing' } });
    expect(response.headers.get('x-powered-by')).toBe('tsgi');
  });

  it('lets any other error propagate (the server answers 500)', async () => {
    const app: App = () => {
      throw new Error('boom');
    };
    expect(() => capture(app, mockEnviron())).toThrow('boom');
    const response = await request(poweredBy(app), { rethrow: false });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('adds the header to a thrown 404 over a real socket', async () => {
    const app = poweredBy(() => {
      throw new NotFound();
    });
    await withServer(app, async (url) => {
      const response = await fetch(`${url}/nothing`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-powered-by')).toBe('tsgi');
      await response.text();
    });
  });
});

describe('mapResponse', () => {
  it('closes the app body when the mapper throws', async () => {
    const { body, log } = tracked(['a']);
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return body;
    };
    const failing = mapResponse(() => {
      throw new Error('mapper failed');
    });
    const response = await request(failing(app), { rethrow: false });
    expect(response.status).toBe(500);
    expect(log.filter((entry) => entry === 'close')).toHaveLength(1);
  });

  it('closes the app body once when the mapper answers instead', async () => {
    const { body, log } = tracked(['secret']);
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return body;
    };
    const answer = mapResponse((response) => {
      response.status = '403 Forbidden';
      response.replaceBody(['no']);
    });
    const response = await request(validate(answer(validate(app))));
    expect(response.status).toBe(403);
    expect(response.text()).toBe('no');
    expect(log.filter((entry) => entry === 'close')).toHaveLength(1);
  });

  it('closes the app body once when the outer startResponse refuses the head (send throws)', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const { body, log } = tracked(['a'], kind);
      const app: App = (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return body;
      };
      const refusing = () => {
        throw new TypeError('header value refused');
      };
      const run = async () => poweredBy(app)(mockEnviron(), refusing);
      await expect(run()).rejects.toThrow('header value refused');
      expect(log.filter((entry) => entry === 'close')).toHaveLength(1);
    }
    const closes: string[] = [];
    const array = Object.assign(['a'], { close: () => void closes.push('close') });
    const arrayApp: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return array;
    };
    expect(() =>
      poweredBy(arrayApp)(mockEnviron(), () => {
        throw new TypeError('refused');
      }),
    ).toThrow('refused');
    expect(closes).toEqual(['close']);
  });

  it('never lets the failing close of a body it will not send become an unhandled rejection', async () => {
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onStray);
    try {
      let closes = 0;
      const app: App = (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return {
          *[Symbol.iterator]() {
            yield 'never sent';
          },
          close: async () => {
            closes++;
            throw new Error('close failed');
          },
        };
      };
      const answering = mapResponse((response) => {
        response.status = '403 Forbidden';
        response.replaceBody(['no']);
      });
      const throwing = mapResponse(() => {
        throw new Unauthorized();
      });
      expect((await request(answering(app))).status).toBe(403);
      expect((await request(throwing(app), { rethrow: false })).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closes).toBe(2);
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
    }
  });

  it('refuses a mapper result that is not a response with a TypeError, closing the app body once', async () => {
    // `(r) => r.code === 200 && r.setHeader(…)` in plain JS gives false: not a response to send
    for (const result of [null, false, 0, '']) {
      for (const wrap of [(value: unknown) => value, (value: unknown) => Promise.resolve(value)]) {
        for (const stacked of [false, true]) {
          const { body, log } = tracked(['a']);
          const app: App = (_environ, startResponse) => {
            startResponse('200 OK', [['Content-Type', 'text/plain']]);
            return body;
          };
          let mapped = mapResponse(() => wrap(result) as undefined)(app);
          if (stacked) mapped = poweredBy(mapped);
          const run = async () => mapped(mockEnviron(), () => () => {});
          await expect(run()).rejects.toThrow(/ResponseMapper returns a Captured response or nothing/);
          await expect(run()).rejects.toBeInstanceOf(TypeError);
          expect(log.filter((entry) => entry === 'close')).toHaveLength(2); // one per run
        }
      }
    }
  });

  it('adds no promise on a synchronous array app (10 layers deep)', () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello'];
    };
    let stacked = app;
    for (let i = 0; i < 10; i++) stacked = poweredBy(stacked);
    const headers: [string, string][][] = [];
    const body = stacked(mockEnviron(), (_status, list) => {
      headers.push(list);
      return () => {};
    });
    expect(Array.isArray(body)).toBe(true);
    expect(headers[0]?.filter(([name]) => name === 'X-Powered-By')).toHaveLength(10);
  });
});

describe('body helpers', () => {
  it('mapChunks keeps an array an array and a sync body sync', () => {
    const array = mapChunks(['a', 'b'], (chunk) => String(chunk).toUpperCase());
    expect(Array.isArray(array)).toBe(true);
    expect([...(array as Chunk[])]).toEqual(['A', 'B']);
    const { body } = tracked(['x']);
    const mapped = mapChunks(body, (chunk) => `${String(chunk)}!`);
    expect(Symbol.iterator in mapped).toBe(true);
    expect([...(mapped as Iterable<Chunk>)]).toEqual(['x!']);
  });

  it('onBodyDone reports a finished body once, with its bytes', async () => {
    const outcomes: unknown[] = [];
    const { body } = tracked(['ab', 'cd']);
    const watched = onBodyDone(body, (outcome) => outcomes.push(outcome));
    expect(await drain(watched)).toBe('abcd');
    await watched.close?.();
    expect(outcomes).toEqual([{ state: 'finished', bytes: 4 }]);
  });

  it('onBodyDone reports a body closed early, and one never iterated', async () => {
    const outcomes: unknown[] = [];
    const { body, log } = tracked(['ab', 'cd'], 'async');
    const watched = onBodyDone(body, (outcome) => outcomes.push(outcome));
    const iterator = (watched as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    await watched.close?.();
    expect(outcomes).toEqual([{ state: 'closed', bytes: 2 }]);
    expect(log).toEqual(['finally', 'close']);

    const never = onBodyDone(tracked(['x']).body, (outcome) => outcomes.push(outcome));
    await never.close?.();
    expect(outcomes[1]).toEqual({ state: 'closed', bytes: 0 });
  });

  it('onBodyDone reports an iteration that threw', async () => {
    const outcomes: { state: string }[] = [];
    const failing: Body = {
      *[Symbol.iterator]() {
        yield 'a';
        throw new Error('disk gone');
      },
    };
    const watched = onBodyDone(failing, (outcome) => outcomes.push(outcome));
    await expect(drain(watched)).rejects.toThrow('disk gone');
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['error']);
  });

  it('onBodyDone keeps an array an array and reports it on close', async () => {
    const outcomes: unknown[] = [];
    const watched = onBodyDone(['hello'], (outcome) => outcomes.push(outcome));
    expect(Array.isArray(watched)).toBe(true);
    await closeBody(watched);
    await closeBody(watched);
    expect(outcomes).toEqual([{ state: 'finished', bytes: 5 }]);
  });

  it('transformBody closes the source once when the client leaves half-way', async () => {
    const { body, log } = tracked(['a', 'b', 'c'], 'async');
    const upper = transformBody(body, async function* (chunks) {
      for await (const chunk of chunks) yield String(chunk).toUpperCase();
    });
    const iterator = (upper as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('A');
    await iterator.return?.();
    await upper.close?.();
    expect(log).toEqual(['finally', 'close']);
  });

  it('transformBody: a close() during another close waits for it (return() then close(), as a server does)', async () => {
    const { body, log } = tracked(['a', 'b'], 'async');
    const slow = transformBody(body, async function* (chunks) {
      for await (const chunk of chunks) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield chunk;
      }
    });
    const iterator = (slow as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    const pending = iterator.next(); // the transform is busy when the client leaves
    const returned = iterator.return?.();
    await slow.close?.();
    expect(log).toEqual(['finally', 'close']);
    await Promise.all([pending, returned]);
  });

  it('transformBody: a close while the transform waits on an idle source closes it (its close() is what wakes it)', async () => {
    let wake: (() => void) | undefined;
    const closes: string[] = [];
    const idle: Body = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<Chunk>>((resolve) => {
            wake = () => resolve({ done: true, value: undefined });
          }),
      }),
      close: () => {
        closes.push('close');
        wake?.();
      },
    };
    const copy = transformBody(idle, async function* (chunks) {
      try {
        for await (const chunk of chunks) yield chunk;
      } finally {
        closes.push('transform finally');
      }
    });
    const iterator = (copy as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    const pending = iterator.next(); // waits on the source
    await new Promise((resolve) => setTimeout(resolve, 5));
    void iterator.return?.();
    await copy.close?.();
    expect(closes).toEqual(['transform finally', 'close']);
    await pending;
  });

  it('transformBody streams under the validator (one chunk out per chunk in)', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'a';
        yield 'b';
      })();
    };
    const upper: Middleware = mapResponse((response) => {
      response.deleteHeader('Content-Length');
      response.body = transformBody(response.body, async function* (chunks) {
        for await (const chunk of chunks) yield String(chunk).toUpperCase();
      });
    });
    const response = await request(validate(upper(validate(app))));
    expect(response.text()).toBe('AB');
  });
});

describe('buffering by design', () => {
  const streamed: App = (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return (function* () {
      yield 'a';
      yield 'b';
      yield 'c';
    })();
  };
  const tagged = (limit: number): Middleware =>
    mapResponse(async (response) => {
      const read = await bufferBody(response.body, limit);
      if (!read.complete) {
        response.body = read.body;
        return;
      }
      response.setHeader('ETag', `"${read.bytes.byteLength}"`);
      response.body = [read.bytes];
    });

  it('lets a middleware that marks its body buffer it under validate() around and inside', async () => {
    const response = await request(validate(tagged(100)(validate(streamed))));
    expect(response.text()).toBe('abc');
    expect(response.headers.get('etag')).toBe('"3"');
  });

  it('hands a body over the limit back whole, untagged', async () => {
    const response = await request(validate(tagged(2)(validate(streamed))));
    expect(response.text()).toBe('abc');
    expect(response.headers.get('etag')).toBeNull();
  });

  it('still reports a middleware that buffers without saying so', async () => {
    const hoarding: Middleware = (app) => (environ, startResponse) => {
      const body = app(environ, acceptAll) as Iterable<Chunk> & Body;
      const chunks = [...body];
      void body.close?.();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return chunks;
    };
    const violation = await violationOf(() =>
      request(validate(hoarding(validate(streamed))), { rethrow: true }),
    );
    expect(violation.rule).toBe('middleware-buffers');
    // the mark lifts the rule
    const honest: Middleware = (app) => (environ, startResponse) => {
      const body = markBuffered(app(environ, acceptAll) as Iterable<Chunk> & Body);
      const chunks = [...body];
      void body.close?.();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return chunks;
    };
    expect((await request(validate(honest(validate(streamed))))).text()).toBe('abc');
  });
});

describe('a transform whose source fails', () => {
  it('closes the source before the validator checks it (no false close-not-called)', async () => {
    const log: string[] = [];
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return {
        async *[Symbol.asyncIterator]() {
          yield 'a';
          throw new Error('disk gone');
        },
        close: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          log.push('source closed');
        },
      };
    };
    const upper = mapResponse((response) => {
      response.body = transformBody(response.body, async function* (chunks) {
        for await (const chunk of chunks) yield String(chunk).toUpperCase();
      });
    });
    const response = await request(validate(upper(validate(app))), { rethrow: false });
    expect(response.complete).toBe(false);
    expect(String(response.error)).toContain('disk gone');
    await vi.waitFor(() => expect(log).toEqual(['source closed']));
  });
});

describe('a sync body with an async close that fails', () => {
  it('hands the failure to the close() that follows return(), never to nobody', async () => {
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onStray);
    try {
      const source = (): Body => ({
        *[Symbol.iterator]() {
          yield 'a';
          yield 'b';
        },
        close: async () => {
          throw new Error('close failed');
        },
      });
      const app: App = (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return source();
      };
      const wrapped = [
        onBodyDone(source(), () => {}),
        mapChunks(source(), (chunk) => chunk),
        (capture(app, mockEnviron()) as { body: Body }).body,
      ];
      for (const body of wrapped) {
        // what a server does when the client leaves: return() the iterator, then close() the body
        const iterator = (body as Iterable<Chunk>)[Symbol.iterator]();
        expect(iterator.next().value).toBe('a');
        iterator.return?.();
        await expect(Promise.resolve(body.close?.())).rejects.toThrow('close failed');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
    }
  });
});

describe('carryBodyRead', () => {
  it('gives a stand-in input the read core’s readers already made, through the check', async () => {
    const environ = mockEnviron({ method: 'POST', body: 'hello' });
    const input = environ['tsgi.input'];
    expect(await Request.of(environ).text()).toBe('hello');
    const iterated: string[] = [];
    const standIn = {
      [Symbol.asyncIterator]() {
        iterated.push('iterated');
        return input[Symbol.asyncIterator]();
      },
    };
    const inner = { ...environ, 'tsgi.input': carryBodyRead(input, standIn) };
    expect(await Request.of(inner).text()).toBe('hello');
    expect(iterated).toEqual([]);
    const refused = {
      ...environ,
      'tsgi.input': carryBodyRead(
        input,
        { [Symbol.asyncIterator]: () => input[Symbol.asyncIterator]() },
        () => {
          throw new RangeError('too big for this stand-in');
        },
      ),
    };
    await expect(Request.of(refused).text()).rejects.toThrow('too big for this stand-in');
    // a refused read nobody asks for is no unhandled rejection
    carryBodyRead(input, { [Symbol.asyncIterator]: () => input[Symbol.asyncIterator]() }, () => {
      throw new RangeError('never read');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('leaves an input nobody read to be iterated', () => {
    const environ = mockEnviron({ method: 'POST', body: 'x' });
    const standIn = { [Symbol.asyncIterator]: () => environ['tsgi.input'][Symbol.asyncIterator]() };
    expect(carryBodyRead(environ['tsgi.input'], standIn)).toBe(standIn);
    expect(Object.getOwnPropertySymbols(standIn)).toEqual([Symbol.asyncIterator]);
  });
});
