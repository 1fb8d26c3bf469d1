// Remakes docs/screenshot.png, the README's picture of the site (not a test: run it by hand):
//   node --conditions=tsgi-source --import tsx test/e2e/readme-screenshot.ts
import { serve } from '@tsgi/core';
import { createSite } from '../../examples/site/site.js';
import { TEST_KEY } from '../examples/site-helpers.js';
import { follow, launchChromium } from './chromium.js';

const server = await serve(createSite({ keys: [TEST_KEY], log: false }), { port: 0 });
const browser = await launchChromium();
try {
  const signAs = async (name: string, text: string) => {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
    await page.goto(`${server.url}/signup`);
    await page.fill('#name', name);
    await page.fill('#password', 'correct horse battery');
    await follow(page, 'form.card button');
    await page.fill('#text', text);
    await follow(page, 'text=Sign the guestbook');
    return page;
  };
  await signAs('grace', 'Mounted an Express app under /legacy next to this site. Links just work.');
  await signAs('linus', 'Three middleware and a router, and the whole thing is still one function. Neat.');
  const page = await signAs(
    'ada',
    'Hello from the tsgi guestbook! Sessions, CSRF and flash messages, all middleware.',
  );
  await page.reload(); // without the flash
  await page.screenshot({ path: 'docs/screenshot.png' });
} finally {
  await browser.close();
  await server.close();
}
