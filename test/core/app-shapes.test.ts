import {
  type App,
  type Chunk,
  type Environ,
  fromClass,
  handler,
  html,
  NotFound,
  Response,
  type StartResponse,
} from '@tsgi/core';
import { describe, expect, it } from 'vitest';
import { withServer } from '../helpers/server.js';

const withServerQuiet = (app: App, test: (url: string) => Promise<void>) =>
  withServer(app, test, { errors: { write: () => {} } });

describe('the three app shapes', () => {
  it('1. a function', async () => {
    const hello: App = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`Hello from ${environ.PATH_INFO}`];
    };
    await withServerQuiet(hello, async (url) => {
      expect(await (await fetch(`${url}/fn`)).text()).toBe('Hello from /fn');
    });
  });

  it('2. a class whose instances are iterable, made per request by fromClass()', async () => {
    const closed: string[] = [];
    // PEP 3333's AppClass: __init__(environ, start_response) + __iter__
    class Greeting {
      constructor(
        private readonly environ: Environ,
        private readonly startResponse: StartResponse,
      ) {}

      *[Symbol.iterator](): Iterator<Chunk> {
        // startResponse may be called lazily, inside the iteration
        this.startResponse('200 OK', [['Content-Type', 'text/plain']]);
        yield 'Hello, ';
        yield this.environ.PATH_INFO.slice(1);
      }

      close(): void {
        closed.push(this.environ.PATH_INFO);
      }
    }
    await withServerQuiet(fromClass(Greeting), async (url) => {
      expect(await (await fetch(`${url}/ada`)).text()).toBe('Hello, ada');
      expect(await (await fetch(`${url}/grace`)).text()).toBe('Hello, grace');
      expect(closed).toEqual(['/ada', '/grace']); // one instance per request, each closed
    });
  });

  it('2b. a class whose instances are async iterable', async () => {
    class Countdown {
      constructor(
        private readonly environ: Environ,
        private readonly startResponse: StartResponse,
      ) {}

      async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
        this.startResponse('200 OK', [['Content-Type', 'text/plain']]);
        for (let n = Number(this.environ.QUERY_STRING); n > 0; n--) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          yield `${n} `;
        }
      }
    }
    await withServerQuiet(fromClass(Countdown), async (url) => {
      expect(await (await fetch(`${url}/?3`)).text()).toBe('3 2 1 ');
    });
  });

  it('3. an object whose bound method is the app', async () => {
    class Counter {
      private hits = 0;

      handle(_environ: Environ, startResponse: StartResponse): Chunk[] {
        this.hits++;
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return [`hit ${this.hits}`];
      }

      // the same shape as a field: bound once, pass `counter.view` as it is
      view: App = (environ, startResponse) => new Response(`${this.hits} hits`)(environ, startResponse);
    }
    const counter = new Counter();
    await withServerQuiet(counter.handle.bind(counter), async (url) => {
      expect(await (await fetch(url)).text()).toBe('hit 1');
      expect(await (await fetch(url)).text()).toBe('hit 2');
    });
    await withServerQuiet(counter.view, async (url) => {
      expect(await (await fetch(url)).text()).toBe('2 hits');
    });
  });
});

describe('handler(): a function from Request to Response', () => {
  const app = handler(async (request) => {
    switch (request.path) {
      case '/json':
        return Response.json(await request.json(), { status: 201 });
      case '/text':
        return `you sent ${request.query.get('q')}`;
      case '/html':
        return html`<b>${request.query.get('q')}</b>`;
      case '/app':
        return new NotFound('No such thing'); // any app, run as it is
      case '/bad':
        return 42 as unknown as string;
      default:
        throw new NotFound();
    }
  });

  it('sends what the function returns, as a Response', async () => {
    await withServerQuiet(app, async (url) => {
      const json = await fetch(`${url}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect([json.status, await json.json()]).toEqual([201, { a: 1 }]);
      const text = await fetch(`${url}/text?q=hi`);
      expect([text.headers.get('content-type'), await text.text()]).toEqual([
        'text/plain; charset=utf-8',
        'you sent hi',
      ]);
      const page = await fetch(`${url}/html?q=<i>`);
      expect([page.headers.get('content-type'), await page.text()]).toEqual([
        'text/html; charset=utf-8',
        '<b>&lt;i&gt;</b>',
      ]);
    });
  });

  it('runs a returned app and answers a thrown HTTPError', async () => {
    await withServerQuiet(app, async (url) => {
      const returned = await fetch(`${url}/app`, { headers: { accept: 'application/json' } });
      expect([returned.status, (await returned.json()).error.message]).toEqual([404, 'No such thing']);
      expect((await fetch(`${url}/elsewhere`)).status).toBe(404);
    });
  });

  it('makes a wrong return value a 500, not a broken response', async () => {
    await withServerQuiet(app, async (url) => {
      expect((await fetch(`${url}/bad`)).status).toBe(500);
    });
  });

  it('stays synchronous for a synchronous function (the server fast path)', () => {
    const hello = handler(() => 'hi');
    const body = hello({ REQUEST_METHOD: 'GET' } as Environ, () => () => {});
    expect(body).toEqual(['hi']);
  });
});
