// examples/mount in a real browser: clicking through the apps mounted beside the guestbook,
// with the whole map served at the root and under a prefix.
import { type ServerHandle, serve } from '@tsgi/core';
import { urlMap } from '@tsgi/middleware';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMountExample } from '../../examples/mount/app.js';
import { TEST_KEY } from '../examples/site-helpers.js';
import { follow, hasChromium, launchChromium } from './chromium.js';

describe.skipIf(!hasChromium())('examples/mount in Chromium', () => {
  let browser: Browser;
  let server: ServerHandle;
  beforeAll(async () => {
    const example = createMountExample({ keys: [TEST_KEY], log: false });
    // the example at the root, and the same apps once more under /outer
    const app = urlMap({ '/': example, '/outer': createMountExample({ keys: [TEST_KEY], log: false }) });
    [browser, server] = await Promise.all([launchChromium(), serve(app, { port: 0, host: '127.0.0.1' })]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const path = (page: Page) => new URL(page.url()).pathname;

  for (const prefix of ['', '/outer']) {
    it(`links under /api, /hono, /legacy and /docs resolve (mounted at ${prefix || '/'})`, async () => {
      const page = await browser.newPage();
      await page.goto(`${server.url}${prefix}/`);
      expect(await page.locator('h1').textContent()).toBe('Guestbook');

      await follow(page, 'header >> text=API');
      expect(path(page)).toBe(`${prefix}/api/`);
      expect(JSON.parse((await page.locator('body').textContent()) as string)).toEqual({
        entries: `${prefix}/api/entries`,
      });

      await page.goBack();
      await follow(page, 'header >> text=Hono');
      expect(path(page)).toBe(`${prefix}/hono/`);
      expect(await page.locator('h1').textContent()).toBe('Hello from Hono');
      const [hello] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/hello/ada')),
        follow(page, 'a[href$="/hello/ada"]'),
      ]);
      expect(hello.status()).toBe(200);
      expect(path(page)).toBe(`${prefix}/hono/hello/ada`);
      expect(JSON.parse((await page.locator('body').textContent()) as string)).toMatchObject({
        hello: 'ada',
      });

      await page.goto(`${server.url}${prefix}/`);
      await follow(page, 'header >> text=Express');
      expect(path(page)).toBe(`${prefix}/legacy/`);
      expect(await page.locator('h1').textContent()).toBe('Hello from Express');
      await follow(page, 'a[href$="/old-page"]');
      expect(path(page)).toBe(`${prefix}/legacy/time`); // Express's redirect stayed in its mount
      expect(JSON.parse((await page.locator('body').textContent()) as string)).toMatchObject({
        from: 'express',
      });

      await page.goto(`${server.url}${prefix}/`);
      await follow(page, 'header >> text=Docs');
      expect(path(page)).toBe(`${prefix}/docs/`);
      await follow(page, 'text=How mounting works');
      expect(path(page)).toBe(`${prefix}/docs/mounting.html`);
      expect(await page.locator('main').evaluate((m) => getComputedStyle(m).maxWidth)).toBe('672px'); // docs.css
      await page.close();
    });
  }
});
