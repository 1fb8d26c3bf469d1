import { type ServerHandle, serve } from '@tsgi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../examples/hello/app.js';

describe('examples/hello', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await serve(app, { port: 0 });
  });
  afterAll(() => server.close());

  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  it('shape 1, a function: says hello', async () => {
    const res = await get('/');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Hello, world!\n');
  });

  it('shape 2, an iterable class: counts down, streamed', async () => {
    const res = await get('/countdown?from=3');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toBe('3\n2\n1\nliftoff\n');
  });

  it('shape 3, a bound method: keeps count across requests', async () => {
    const first = Number((await (await get('/visits')).text()).match(/\d+/)?.[0]);
    expect(await (await get('/visits')).text()).toBe(`visit number ${first + 1}\n`);
  });

  it('greets by query or by the cookie it set, escaping the name', async () => {
    const res = await get('/greet?name=<script>alert(1)</script>');
    expect(await res.text()).toBe('<!doctype html><h1>Hello, &lt;script&gt;alert(1)&lt;/script&gt;!</h1>');
    const cookie = res.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(/^name=%3Cscript%3E.*; HttpOnly; SameSite=Lax$/);
    const again = await get('/greet', { headers: { cookie: 'name=Ada' } });
    expect(await again.text()).toContain('Hello, Ada!');
  });

  it('echoes JSON, refusing other methods and bad JSON', async () => {
    const post = (body: string) =>
      get('/echo', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      });
    expect(await (await post('{"hi":[1,2]}')).json()).toEqual({ youSent: { hi: [1, 2] } });
    expect((await post('{oops')).status).toBe(400);
    const wrongMethod = await get('/echo');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('takes a file upload', async () => {
    const form = new FormData();
    form.append('file', new File(['hello upload'], 'hello.txt', { type: 'text/plain' }));
    const res = await get('/upload', { method: 'POST', body: form });
    expect(await res.json()).toEqual({ name: 'hello.txt', type: 'text/plain', size: 12 });
    const noFile = new FormData();
    noFile.append('file', 'just text');
    expect((await get('/upload', { method: 'POST', body: noFile })).status).toBe(422);
  });

  it('answers 404 for anything else, including names on Object.prototype', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/__proto__')).status).toBe(404);
  });
});
