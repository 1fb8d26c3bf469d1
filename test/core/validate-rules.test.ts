import { readFileSync } from 'node:fs';
import {
  type App,
  type Body,
  finishValidation,
  type HeaderList,
  RULES,
  type Rule,
  type StartResponse,
  validate,
} from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';
import { acceptAll, hello, iterate, textApp, violationOf } from './validate-harness.js';

/** Calls `validate(app)` as a server would, with this environ. */
function callWith(
  changes: Record<string, unknown>,
  app: App = hello,
  startResponse: StartResponse = acceptAll,
) {
  return () => validate(app)(mockEnviron({ environ: changes }), startResponse);
}

/** Runs `app` through the test client (which validates it) and expects it to fail. */
function answer(app: App, init: Parameters<typeof request>[1] = {}) {
  return () => request(app, init);
}

/** An app whose only job is to call startResponse with these arguments. */
function starting(...args: unknown[]): App {
  return (_environ, startResponse) => {
    (startResponse as (...a: unknown[]) => unknown)(...args);
    return [];
  };
}

/** An app answering text with these headers and body. */
function answering(status: string, headers: HeaderList, body: Body): App {
  return (_environ, startResponse) => {
    startResponse(status, headers);
    return body;
  };
}

const text: HeaderList = [['Content-Type', 'text/plain']];

async function* twoChunks() {
  yield 'a';
  yield 'b';
}

const reused = twoChunks();

const cases: Record<Rule, () => unknown> = {
  // the environ
  'environ-type': () => validate(hello)(null as never, acceptAll),
  'environ-missing-key': callWith({ QUERY_STRING: undefined }),
  'cgi-value-type': callWith({ USER: { name: 'ada' } }),
  'tsgi-key-unknown': callWith({ 'tsgi.session': {} }),
  'http-key-format': callWith({ 'HTTP_X-REAL-IP': '1.2.3.4' }),
  'http-value-chars': callWith({ HTTP_X_NOTE: 'a\r\nb' }),
  'http-content-type': callWith({ HTTP_CONTENT_TYPE: 'text/plain' }),
  'http-content-length': callWith({ HTTP_CONTENT_LENGTH: '0' }),
  'http-host-missing': callWith({ HTTP_HOST: undefined }),
  'request-method-token': callWith({ REQUEST_METHOD: 'GE T' }),
  'script-name-format': callWith({ SCRIPT_NAME: 'app' }),
  'script-name-trailing-slash': callWith({ SCRIPT_NAME: '/app/' }),
  'path-info-format': callWith({ PATH_INFO: 'index.html' }),
  'path-empty': callWith({ PATH_INFO: '' }),
  'path-wellformed': callWith({ PATH_INFO: '/\uD800' }),
  'query-string-format': callWith({ QUERY_STRING: 'q=a b' }),
  'environ-content-length': callWith({ CONTENT_LENGTH: '-1' }),
  'server-name-empty': callWith({ SERVER_NAME: '' }),
  'server-port-format': callWith({ SERVER_PORT: 'http' }),
  'server-protocol-format': callWith({ SERVER_PROTOCOL: 'HTTP/one' }),
  'tsgi-version': callWith({ 'tsgi.version': [2, 0] }),
  'url-scheme': callWith({ 'tsgi.url_scheme': 'ftp' }),
  'input-type': callWith({ 'tsgi.input': [new Uint8Array(1)] }),
  'errors-type': callWith({ 'tsgi.errors': {} }),
  'flag-type': callWith({ 'tsgi.multithread': 'no' }),
  'raw-uri-format': callWith({ 'tsgi.raw_uri': 'index.html' }),
  'signal-type': callWith({ 'tsgi.signal': new AbortController() }),
  'early-hints-type': callWith({ 'tsgi.early_hints': [] }),
  'start-response-type': callWith({}, hello, null as never),
  'write-type': callWith({}, hello, (() => undefined) as never),

  // reading the request
  'input-read-twice': answer(async (environ, startResponse) => {
    for await (const _ of environ['tsgi.input']);
    for await (const _ of environ['tsgi.input']);
    startResponse('204 No Content', []);
    return [];
  }),
  'input-chunk-type': async () => {
    const input = {
      async *[Symbol.asyncIterator]() {
        yield 'text';
      },
    };
    const body = await validate(async (environ, startResponse) => {
      for await (const _ of environ['tsgi.input']);
      startResponse('204 No Content', []);
      return [];
    })(mockEnviron({ environ: { 'tsgi.input': input } }), acceptAll);
    return body;
  },
  'input-too-long': answer(
    textApp(async function* (environ) {
      for await (const chunk of environ['tsgi.input']) yield chunk;
    }),
    {
      body: 'abc',
      headers: { 'Content-Length': '2' },
    },
  ),
  'input-too-short': answer(
    textApp(async function* (environ) {
      for await (const chunk of environ['tsgi.input']) yield chunk;
    }),
    {
      body: 'a',
      headers: { 'Content-Length': '5' },
    },
  ),
  'input-after-response': answer((environ, startResponse) => {
    startResponse('204 No Content', []);
    const body: Body = [];
    body.close = async () => {
      for await (const _ of environ['tsgi.input']);
    };
    return body;
  }),
  'errors-write-type': answer((environ, startResponse) => {
    environ['tsgi.errors'].write(new Error('oops') as never);
    return hello(environ, startResponse);
  }),
  'early-hints-args': answer((environ, startResponse) => {
    environ['tsgi.early_hints']('</app.css>; rel=preload' as never);
    return hello(environ, startResponse);
  }),
  'early-hints-late': answer((environ, startResponse) => {
    const body = hello(environ, startResponse);
    environ['tsgi.early_hints'](['</app.css>; rel=preload']);
    return body;
  }),

  // what the app returns
  'app-type': () => validate({ call: hello } as never),
  'body-type': answer(() => 42 as never),
  'body-string': answer(textApp(() => 'hello' as never)),
  'body-bytes': answer(textApp(() => Buffer.from('hello') as never)),
  'body-fetch-response': answer(textApp(() => new globalThis.Response('hello') as never)),
  'body-close-type': answer(textApp(() => Object.assign(['hello'], { close: 'yes' }) as never)),
  'body-reused': async () => {
    const app = textApp(() => reused);
    await request(app);
    await request(app);
  },
  'iterator-type': answer(textApp(() => ({ [Symbol.iterator]: () => ({}) }) as never)),
  'iterator-result': answer(textApp(() => ({ [Symbol.iterator]: () => ({ next: () => 'a' }) }) as never)),

  // startResponse
  'start-response-arity': answer(starting('200 OK')),
  'status-type': answer(starting(200, text)),
  'status-format': answer(starting('200OK', text)),
  'status-code-range': answer(starting('999 Whatever', text)),
  'status-informational': answer(starting('103 Early Hints', [])),
  'status-reason-chars': answer(starting('200 O\u0007K', text)),
  'headers-type': answer(starting('200 OK', { 'Content-Type': 'text/plain' })),
  'header-pair': answer(starting('200 OK', [['Content-Type', 'text/plain', 'extra']])),
  'header-name-type': answer(starting('200 OK', [[Symbol('name'), 'a']])),
  'header-value-type': answer(starting('200 OK', [['Content-Length', 5]])),
  'header-name-token': answer(starting('200 OK', [['X Note', 'a']])),
  'header-value-newline': answer(starting('302 Found', [['Location', '/\r\nSet-Cookie: admin=1']])),
  'header-value-chars': answer(starting('200 OK', [['X-Price', '5 €']])),
  'header-status': answer(starting('200 OK', [['Status', '200 OK']])),
  'header-hop-by-hop': answer(starting('200 OK', [['Connection', 'close']])),
  'content-type-bodyless': answer(starting('204 No Content', text)),
  'content-length-bodyless': answer(starting('204 No Content', [['Content-Length', '0']])),
  'content-length-format': answer(starting('200 OK', [['Content-Length', '1e3']])),
  'content-length-duplicate': answer(
    starting('200 OK', [
      ['Content-Length', '1'],
      ['Content-Length', '1'],
    ]),
  ),
  'start-response-twice': answer((environ, startResponse) => {
    startResponse('200 OK', text);
    return hello(environ, startResponse);
  }),
  'start-response-after-close': answer((_environ, startResponse) => {
    startResponse('200 OK', text);
    const body: Body = ['hello'];
    body.close = () => void startResponse('500 Internal Server Error', text, new Error('late'));
    return body;
  }),
  'headers-mutated': answer((_environ, startResponse) => {
    const headers: HeaderList = [['Content-Type', 'text/plain']];
    startResponse('200 OK', headers);
    headers.push(['Set-Cookie', 'late=1']);
    return ['hello'];
  }),

  // the body
  'start-response-late': answer((_environ, startResponse) =>
    (function* () {
      yield 'hello';
      startResponse('200 OK', text);
    })(),
  ),
  'start-response-never': answer(() => (function* () {})()),
  'chunk-type': answer(answering('200 OK', text, ['a', 5] as never)),
  'content-type-missing': answer(answering('200 OK', [], ['hello'])),
  'body-for-bodyless-status': answer(answering('304 Not Modified', [], ['hello'])),
  'content-length-exceeded': answer(answering('200 OK', [...text, ['Content-Length', '2']], ['hello'])),
  'content-length-short': answer(answering('200 OK', [...text, ['Content-Length', '20']], twoChunks())),
  'write-chunk-type': answer((_environ, startResponse) => {
    startResponse('200 OK', text)(42 as never);
    return [];
  }),
  'write-after-end': answer((_environ, startResponse) => {
    const write = startResponse('200 OK', text);
    const body: Body = ['hello'];
    body.close = () => write('more');
    return body;
  }),
  'write-ignored-backpressure': () => {
    const full = () => new Promise<void>(() => {}); // a socket that never drains
    return validate((_environ, startResponse) => {
      const write = startResponse('200 OK', text);
      write('a');
      write('b');
      return [];
    })(mockEnviron(), () => full);
  },
  'iterate-after-close': async () => {
    const body = await validate(textApp(() => twoChunks()))(mockEnviron(), acceptAll);
    const iterator = iterate(body);
    await body.close?.();
    await iterator.next();
  },
  'next-concurrent': async () => {
    const body = await validate(textApp(() => twoChunks()))(mockEnviron(), acceptAll);
    const iterator = iterate(body);
    await Promise.all([iterator.next(), iterator.next()]);
  },
  'close-twice': async () => {
    const body = await validate(hello)(mockEnviron(), acceptAll);
    body.close?.();
    body.close?.();
  },
  'close-not-called': async () => {
    const environ = mockEnviron();
    const body = await validate(textApp(() => twoChunks()))(environ, acceptAll);
    const iterator = iterate(body);
    while (!(await iterator.next()).done);
    finishValidation(environ);
  },
  'iterator-not-returned': async () => {
    const environ = mockEnviron();
    const body = await validate(textApp(() => twoChunks()))(environ, acceptAll);
    await iterate(body).next();
    await body.close?.();
    finishValidation(environ);
  },
  'middleware-buffers': () => {
    const buffering =
      (app: App): App =>
      async (environ, startResponse) => {
        const chunks: string[] = [];
        for await (const chunk of (await app(environ, startResponse)) as AsyncIterable<string>)
          chunks.push(chunk);
        return [chunks.join('')];
      };
    return request(validate(buffering(validate(textApp(() => twoChunks())))));
  },
};

describe('validate: each rule fires', () => {
  for (const [rule, run] of Object.entries(cases)) {
    it(rule, async () => {
      const violation = await violationOf(run);
      expect(violation.rule).toBe(rule);
      expect(violation.message).toContain(RULES[rule as Rule]);
    });
  }
});

describe('the rule list', () => {
  it('has a firing test for every rule', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(RULES).sort());
  });

  it('is the table in SPEC.md, rule by rule', () => {
    const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8');
    const listed = [...spec.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(Object.keys(RULES).sort());
  });
});
