// examples/mount: several apps in one process with urlMap, each linking under its mount point.
import type { App } from '@tsgi/core';
import { urlMap } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';
import { createMountExample } from '../../examples/mount/app.js';
import { Browser } from '../helpers/browser.js';
import { TEST_KEY, tokenOf } from './site-helpers.js';

const example = () => createMountExample({ keys: [TEST_KEY], log: false });
const hrefs = (page: string) => [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1] as string);

/** Follows every link on the page at `path` and expects each to answer 2xx or 3xx. */
async function linksResolve(app: App, path: string): Promise<string[]> {
  const browser = new Browser();
  const page = await browser.request(app, { url: path });
  expect(page.status).toBe(200);
  const links = hrefs(page.text());
  for (const href of links) {
    const response = await browser.request(app, { url: new URL(href, `http://localhost${path}`).pathname });
    expect(response.status, href).toBeLessThan(400);
  }
  return links;
}

describe('examples/mount', () => {
  it('links from the guestbook to each mounted app', async () => {
    const links = await linksResolve(example(), '/');
    expect(links).toEqual(
      expect.arrayContaining(['/api/', '/hono/', '/legacy/', '/docs/', '/about', '/static/style.css']),
    );
  });

  it('serves the static docs at /docs, with relative links that resolve', async () => {
    expect(await linksResolve(example(), '/docs/')).toEqual(['docs.css', 'mounting.html', '../']);
    const bare = await new Browser().request(example(), { url: '/docs' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/docs/');
  });

  it('the API lists the guestbook entries, each with its link under /api', async () => {
    const app = example();
    const browser = new Browser();
    const form = await browser.request(app, { url: '/signup' });
    await browser.request(app, {
      url: '/signup',
      body: new URLSearchParams({ _csrf: tokenOf(form.text()), name: 'ada', password: 'correct horse' }),
    });
    const home = await browser.request(app);
    await browser.request(app, {
      url: '/entries',
      body: new URLSearchParams({ _csrf: tokenOf(home.text()), text: 'hi api' }),
    });
    const index = await browser.request(app, { url: '/api/' });
    expect(index.json()).toEqual({ entries: '/api/entries' });
    const [entry] = (await browser.request(app, { url: '/api/entries' })).json<
      { href: string; text: string }[]
    >();
    expect(entry).toMatchObject({
      text: 'hi api',
      author: 'ada',
      href: expect.stringMatching(/^\/api\/entries\/[0-9a-f-]{36}$/),
    });
    expect((await browser.request(app, { url: entry?.href })).json()).toEqual(entry);
    expect(
      (await browser.request(app, { url: '/api/entries/nope', headers: { Accept: 'application/json' } }))
        .status,
    ).toBe(404);
  });

  it('Hono and Express link inside their mounts, and Express redirects inside its mount', async () => {
    const app = example();
    expect(await linksResolve(app, '/hono/')).toEqual(['/hono/hello/ada', '/hono/hello/grace']);
    expect((await new Browser().request(app, { url: '/hono/hello/ada' })).json()).toEqual({
      hello: 'ada',
      from: 'hono',
      back: '/hono/',
    });
    expect(await linksResolve(app, '/legacy/')).toEqual(['/legacy/time', '/legacy/old-page']);
    const moved = await new Browser().request(app, { url: '/legacy/old-page' });
    expect(moved.headers.get('location')).toBe('/legacy/time');
  });

  it('mounted itself under a prefix, every app links under that prefix too', async () => {
    const app = urlMap({ '/outer': example() });
    const browser = new Browser();
    for (const path of ['/outer/', '/outer/hono/', '/outer/legacy/', '/outer/docs/']) {
      const links = hrefs((await browser.request(app, { url: path })).text());
      expect(links.length).toBeGreaterThan(1);
      for (const href of links)
        expect(new URL(href, `http://localhost${path}`).pathname).toMatch(/^\/outer\//);
    }
    expect((await browser.request(app, { url: '/outer/api/' })).json()).toEqual({
      entries: '/outer/api/entries',
    });
    expect((await browser.request(app, { url: '/outer/legacy/old-page' })).headers.get('location')).toBe(
      '/outer/legacy/time',
    );
  });

  it('answers a path no app holds with 404', async () => {
    expect((await new Browser().request(example(), { url: '/apix' })).status).toBe(404);
  });
});
