import { type App, type Chunk, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { rewriteHtml } from '@tsgi/middleware/rewrite-html';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred } from '../helpers/bodies.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const page =
  (chunks: Chunk[], type = 'text/html; charset=utf-8'): App =>
  (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', type]]);
    return (async function* () {
      yield* chunks;
    })();
  };

const inject = rewriteHtml({
  head: '<link rel="stylesheet" href="/x.css">',
  body: '<script src="/live.js"></script>',
});

describe('rewriteHtml()', () => {
  it('inserts before </head> and </body> when the markers are cut across chunks', async () => {
    const chunks = ['<html><head><title>t</title></he', 'ad><body><p>hi</p></BO', 'DY></html>'];
    const response = await request(validate(inject(validate(page(chunks)))));
    expect(response.text()).toBe(
      '<html><head><title>t</title><link rel="stylesheet" href="/x.css"></head><body><p>hi</p><script src="/live.js"></script></BODY></html>',
    );
  });

  it('every split of the page gives the same result', async () => {
    const html = '<html><head></head><body>a</body></html>';
    const expected =
      '<html><head><link rel="stylesheet" href="/x.css"></head><body>a<script src="/live.js"></script></body></html>';
    for (let i = 0; i <= html.length; i++) {
      for (const j of [i, Math.min(html.length, i + 3)]) {
        const response = await request(inject(page([html.slice(0, i), html.slice(i, j), html.slice(j)])));
        expect(response.text()).toBe(expected);
      }
    }
  });

  it('property: however the page is cut into chunks, the result is the same as in one chunk', async () => {
    const piece = fc.constantFrom(
      '<head>',
      '</head>',
      '</HEAD>',
      '<body>',
      '</body>',
      '</BoDy>',
      'text',
      '<',
      '/',
      'é',
      '\n',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.nat(60), { maxLength: 4 }),
        async (pieces, cuts) => {
          const html = pieces.join('');
          const points = [...new Set(cuts.map((cut) => Math.min(cut, html.length)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, i) => html.slice(from, [...points, html.length][i]));
          const whole = await request(inject(page([html])));
          const split = await request(validate(inject(validate(page(chunks)))));
          expect(split.text()).toBe(whole.text());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('chooses the last </body>, not one inside a script; appends when there is none', async () => {
    const tricky = ['<body><script>let s = "</body>";</script>', '<p>end</p></body></html>'];
    const response = await request(rewriteHtml({ body: '<b>!</b>' })(page(tricky)));
    expect(response.text()).toBe('<body><script>let s = "</body>";</script><p>end</p><b>!</b></body></html>');
    expect((await request(rewriteHtml({ body: '<b>!</b>' })(page(['<p>x</p>'])))).text()).toBe(
      '<p>x</p><b>!</b>',
    );
  });

  it('per-request HTML, and only text/html', async () => {
    const nonce = rewriteHtml({ head: (environ) => `<meta name="path" content="${environ.PATH_INFO}">` });
    expect((await request(nonce(page(['<head></head>'])), { url: '/a' })).text()).toBe(
      '<head><meta name="path" content="/a"></head>',
    );
    expect((await request(inject(page(['<head></head>'], 'text/plain')))).text()).toBe('<head></head>');
  });

  it('over a socket: the page streams — the first part arrives before the app finishes', async () => {
    const more = deferred();
    const slow: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/html']]);
      return (async function* () {
        yield `<html><head></head><body>${'x'.repeat(1000)}`;
        await more.promise;
        yield '</body></html>';
      })();
    };
    const server = await startServer(validate(inject(validate(slow))));
    const response = await fetch(server.url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('<link rel="stylesheet" href="/x.css"></head>');
    more.resolve();
    let rest = '';
    for (let step = await reader.read(); !step.done; step = await reader.read())
      rest += new TextDecoder().decode(step.value);
    expect(rest.endsWith('<script src="/live.js"></script></body></html>')).toBe(true);
  });

  it('names the bad option', () => {
    expect(() => rewriteHtml({})).toThrow(/head.*body/);
    expect(() => rewriteHtml({ head: 3 as never })).toThrow(/head/);
  });
});
