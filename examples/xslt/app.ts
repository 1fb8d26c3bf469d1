import { readFileSync } from 'node:fs';
import type { App } from '@tsgi/core';
import { xslt } from '@tsgi/middleware/xslt';
import { router } from '@tsgi/router';
import { feedApp, type Item, READING } from './feed.js';

const STYLESHEET = readFileSync(new URL('./feed.xsl', import.meta.url), 'utf8');

/**
 * One feed, two views: `/feed.xml` is the RSS itself, and `/` is the same response passed
 * through `xslt()` — middleware around one route — which renders it as an HTML page.
 * @example await serve(feedSite(), { port: 8000 });
 */
export function feedSite(items: readonly Item[] = READING): App {
  const feed = feedApp(items);
  const asPage = xslt({ stylesheet: STYLESHEET, parameters: (environ) => ({ base: environ.SCRIPT_NAME }) });
  return router().get('/', asPage(feed)).get('/feed.xml', feed);
}
