import { request as httpRequest } from 'node:http';
import { type ServerHandle, serve } from '@tsgi/core';
import { type Router, routeParams, router } from '@tsgi/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw.js';

// The router behind a real node:http server: what a client actually gets.
describe('a router served over HTTP', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    const blog: Router = router({ trailingSlash: 'redirect' })
      .get(
        '/posts/:slug',
        (environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return [`${routeParams(environ).slug} → ${blog.url(environ, 'post', { slug: 'next one' })}`];
        },
        { name: 'post' },
      )
      .post('/posts', (_environ, startResponse) => {
        startResponse('201 Created', []);
        return [];
      });
    const app = router().mount('/blog', blog);
    server = await serve(app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(() => server.close());

  it('serves a mounted route that links to itself', async () => {
    const response = await fetch(`${server.url}/blog/posts/a%2Fb`);
    expect(await response.text()).toBe('a/b → /blog/posts/next%20one');
  });

  it('renders the thrown 404', async () => {
    const response = await fetch(`${server.url}/nothing`);
    expect(response.status).toBe(404);
  });

  it('renders the thrown 405 with Allow', async () => {
    const response = await fetch(`${server.url}/blog/posts/x`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('answers HEAD from the GET route without a body', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/blog/posts/x`, { method: 'HEAD' }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect([status, body]).toEqual([200, '']);
  });

  it('answers OPTIONS with 204 and Allow', async () => {
    const response = await fetch(`${server.url}/blog/posts`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('answers OPTIONS * with 204 and every method served', async () => {
    const response = await rawRequest(server.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response.status).toBe(204);
    expect(response.header('allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('redirects the other trailing-slash spelling with 308', async () => {
    const response = await fetch(`${server.url}/blog/posts/x/?a=1`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/blog/posts/x?a=1');
  });
});
