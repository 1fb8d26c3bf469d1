import { type App, NotFound, Request, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { cascade } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';

const status =
  (code: number, body: string, log?: string[]): App =>
  (_environ, startResponse) => {
    log?.push(body);
    startResponse(`${code} X`, [['Content-Type', 'text/plain']]);
    return [body];
  };

describe('cascade', () => {
  it('answers with the first response that is not a 404 or 405', async () => {
    const log: string[] = [];
    const app = cascade(
      validate(status(404, 'a', log)),
      validate(status(405, 'b', log)),
      validate(status(200, 'c', log)),
      validate(status(200, 'd', log)),
    );
    const response = await request(validate(app));
    expect(response.text()).toBe('c');
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('closes the losers’ bodies exactly once, and never sends them', async () => {
    const loser = trackClose(['lost']);
    const asyncLoser = trackClose(
      (async function* () {
        yield 'lost too';
      })(),
    );
    const app = cascade(
      (_e, sr) => {
        sr('404 Not Found', [['Content-Type', 'text/plain']]);
        return loser.body;
      },
      async (_e, sr) => {
        sr('404 Not Found', [['Content-Type', 'text/plain']]);
        return asyncLoser.body;
      },
      status(200, 'won'),
    );
    const response = await request(validate(app));
    expect(response.text()).toBe('won');
    expect(loser.closeCount).toBe(1);
    expect(asyncLoser.closeCount).toBe(1);
  });

  it('treats a thrown HTTPError as the response it renders', async () => {
    const app = cascade(
      () => {
        throw new NotFound();
      },
      status(200, 'second'),
    );
    expect((await request(validate(app))).text()).toBe('second');
  });

  it('sends the last app’s response whatever it is', async () => {
    const response = await request(validate(cascade(status(404, 'a'), status(404, 'last'))));
    expect(response.status).toBe(404);
    expect(response.text()).toBe('last');
  });

  it('takes the statuses to skip as its last argument', async () => {
    const app = cascade(status(403, 'a'), status(404, 'b'), status(200, 'c'), { catch: [403] });
    expect((await request(validate(app))).text()).toBe('b');
  });

  it('offers the request body to the first app that reads it; a later reader gets an error', async () => {
    const reader =
      (code: number): App =>
      async (environ, startResponse) => {
        const body = await Request.of(environ).text();
        startResponse(`${code} X`, [['Content-Type', 'text/plain']]);
        return [`read ${body}`];
      };
    const first = await request(validate(cascade(status(404, 'skip'), reader(200))), { body: 'payload' });
    expect(first.text()).toBe('read payload');
    const second = await request(validate(cascade(reader(404), reader(200))), {
      body: 'payload',
      rethrow: false,
    });
    expect(second.status).toBe(500);
    expect(String(second.error)).toMatch(/already read by an earlier app/);
  });

  it('gives every app the body a middleware outside it already read (csrf(), methodOverride())', async () => {
    const echo: App = async (environ, startResponse) => {
      const text = await Request.of(environ).text();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`got ${text}`];
    };
    const readsFirst =
      (app: App): App =>
      async (environ, startResponse) => {
        await Request.of(environ).form(); // what csrf() does to find its field
        return app(environ, startResponse);
      };
    const missing: App = (environ, startResponse) => new NotFound()(environ, startResponse);
    const response = await request(validate(readsFirst(cascade(validate(missing), validate(echo)))), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=t&name=ann',
    });
    expect(response.status).toBe(200);
    expect(response.text()).toBe('got _csrf=t&name=ann');
  });

  it('gives each app its own environ', async () => {
    const app = cascade(
      (environ, sr) => {
        environ.PATH_INFO = '/changed';
        sr('404 Not Found', [['Content-Type', 'text/plain']]);
        return ['no'];
      },
      (environ, sr) => {
        sr('200 OK', [['Content-Type', 'text/plain']]);
        return [environ.PATH_INFO];
      },
    );
    expect((await request(validate(app), { url: '/orig' })).text()).toBe('/orig');
  });

  it('refuses bad arguments at build time', () => {
    expect(() => cascade()).toThrow(/no apps/);
    expect(() => cascade('x' as unknown as App)).toThrow(/argument 0 is a string/);
    expect(() => cascade(status(200, 'a'), { catch: [42] })).toThrow(/catch must be/);
  });
});
