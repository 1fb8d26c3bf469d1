// Debian's Chromium through playwright-core: never a downloaded browser. Missing, the browser
// tests skip — except with CI=true, where a missing browser fails them.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Where the tests leave screenshots (gitignored). */
export const ARTIFACTS = 'test-results';

/** Whether the browser tests can run; with CI=true a missing Chromium throws instead. */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing, and CI=true: a missing browser fails`);
  return false;
}

/** Launches headless Chromium with nothing that reaches the network on its own. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Clicks what `selector` finds and waits for the page that follows to load: after a form
 * post and its redirect, the next read sees the new page, never the old one.
 */
export async function follow(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
}
