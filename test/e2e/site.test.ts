// examples/site in a real browser: Debian's Chromium, the site served in-process on loopback.
import { join } from 'node:path';
import { type ServerHandle, serve } from '@tsgi/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite } from '../../examples/site/site.js';
import { TEST_KEY } from '../examples/site-helpers.js';
import { ARTIFACTS, follow, hasChromium, launchChromium } from './chromium.js';

describe.skipIf(!hasChromium())('examples/site in Chromium', () => {
  let browser: Browser;
  let server: ServerHandle;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchChromium(),
      serve(createSite({ keys: [TEST_KEY], log: false }), { port: 0, host: '127.0.0.1' }),
    ]);
    context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    page = await context.newPage();
    // a CSP violation or a missing file shows up here (the 403 and 404 pages the story visits on purpose too)
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const sessionCookie = async () => (await context.cookies(server.url)).find((c) => c.name === 'sid');
  const flashText = () => page.locator('.flash').allTextContents();

  // One visitor's story, in order: each step starts where the last one left the page.
  it('shows the guestbook with its stylesheet (compressed) and logo', async () => {
    const stylesheet = page.waitForResponse(`${server.url}/static/style.css`);
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    // Chromium asks for br and gzip; the stylesheet arrives compressed (brotli preferred)
    const css = await stylesheet;
    expect(css.status()).toBe(200);
    expect((await css.allHeaders())['content-encoding']).toBe('br');
    expect(await css.text()).toContain('--accent: #2f5bea;'); // decoded by the browser
    await expect(page.title()).resolves.toBe('Guestbook · tsgi guestbook');
    // the stylesheet applied: the accent colour on the sign-up button
    const background = await page.locator('a.button').evaluate((a) => getComputedStyle(a).backgroundColor);
    expect(background).toBe('rgb(47, 91, 234)');
    expect(
      await page.locator('header img').evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBeGreaterThan(0);
  });

  it("shows a bad value's error next to its field, keeping what was typed", async () => {
    await follow(page, 'text=Sign up');
    await page.fill('#name', 'a!');
    await page.fill('#password', 'short');
    await follow(page, 'form.card button');
    await expect(page.locator('#name + .error').textContent()).resolves.toBe(
      'Use 3 to 20 letters, digits, - or _.',
    );
    await expect(page.locator('#password + .error').textContent()).resolves.toBe(
      'Use at least 8 characters.',
    );
    expect(await page.inputValue('#name')).toBe('a!');
    expect(await page.getAttribute('#name', 'aria-invalid')).toBe('true');
  });

  it('signs up: a new session, the welcome flash, a cookie that is HttpOnly and SameSite=Lax', async () => {
    const before = (await sessionCookie())?.value;
    expect(before).toBeDefined(); // the form's CSRF secret lives in a session already
    await page.fill('#name', 'Ada');
    await page.fill('#password', 'correct horse battery');
    await follow(page, 'form.card button');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await flashText()).toEqual(['Welcome, Ada! Your account is ready.']);
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.value).not.toBe(before); // regenerate() on login
    expect(await page.evaluate(() => document.cookie)).toBe(''); // no script can read it
  });

  it('keeps the session across a reload, and shows the flash only once', async () => {
    await page.reload();
    expect(await page.locator('.who').textContent()).toBe('Signed in as ada');
    expect(await flashText()).toEqual([]);
  });

  it("signs the guestbook, and shows an empty entry's error under the box", async () => {
    await follow(page, 'text=Sign the guestbook');
    await expect(page.locator('#text + .error').textContent()).resolves.toBe('Write something first.');
    await page.fill('#text', 'Hello from a real browser! <b>not bold</b>');
    await follow(page, 'text=Sign the guestbook');
    expect(await flashText()).toEqual(['Thanks for signing the guestbook!']);
    expect(await page.locator('.entries .text').first().textContent()).toBe(
      'Hello from a real browser! <b>not bold</b>',
    );
    await page.fill('#text', 'A second message, so the list has two.');
    await follow(page, 'text=Sign the guestbook');
    expect(await page.locator('.entries li').count()).toBe(2);
  });

  it('refuses a form posted without its CSRF token', async () => {
    await page.locator('form[action="/entries"] input[name="_csrf"]').evaluate((input) => input.remove());
    await page.fill('#text', 'forged');
    const [response] = await Promise.all([
      page.waitForResponse(`${server.url}/entries`),
      follow(page, 'text=Sign the guestbook'),
    ]);
    expect(response.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Not allowed');
    await page.goto(`${server.url}/`);
    expect(await page.locator('.entries .text').allTextContents()).not.toContain('forged');
  });

  it('saves a screenshot of the main page, at desktop and phone widths, that fits a phone', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'site.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'site-phone.png'), fullPage: true });
    // nothing wider than the phone: no sideways scrolling
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1000, height: 760 });
  });

  it('deletes its own entry', async () => {
    await follow(page, '.entries li:has-text("A second message") button:has-text("delete")');
    expect(await flashText()).toEqual(['Your entry was deleted.']);
    expect(await page.locator('.entries li').count()).toBe(1);
  });

  it('logs out: the session is gone, also for a copy of the old cookie', async () => {
    const old = await sessionCookie();
    await follow(page, 'text=Log out');
    expect(await flashText()).toEqual(['You are logged out. See you soon!']);
    expect(await page.locator('.who').count()).toBe(0);
    await page.reload();
    expect(await page.locator('header a', { hasText: 'Log in' }).count()).toBe(1);
    // a second browser holding the old cookie is not signed in either
    const thief = await browser.newContext();
    await thief.addCookies([{ ...(old as NonNullable<typeof old>) }]);
    const stolen = await thief.newPage();
    await stolen.goto(`${server.url}/`);
    expect(await stolen.locator('.who').count()).toBe(0);
    await thief.close();
  });

  it("logs in again, and a 404 is a page in the site's layout", async () => {
    await follow(page, 'text=Log in');
    await page.fill('#name', 'ada');
    await page.fill('#password', 'wrong password');
    await follow(page, 'form.card button');
    expect(await page.locator('form .error').first().textContent()).toBe('Wrong name or password.');
    await page.fill('#password', 'correct horse battery');
    await follow(page, 'form.card button');
    expect(await flashText()).toEqual(['Welcome back, ada!']);
    const missing = await page.goto(`${server.url}/no/such/page`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.locator('.who').textContent()).toBe('Signed in as ada');
  });

  it('met no error in the console but the refusals it asked for (422 forms, the 403, the 404)', () => {
    // no CSP violation, no stylesheet or image that failed to load
    for (const error of consoleErrors) expect(error).toMatch(/responded with a status of (403|404|422) /);
    expect(consoleErrors.filter((e) => / 403 /.test(e))).toHaveLength(1);
  });
});
