import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '@tsgi/core';
import { accessLog, type LogStream, serveStatic, urlMap } from '@tsgi/middleware';
import { createSite } from '../site/site.js';
import { memoryStorage } from '../site/storage.js';
import { guestbookApi } from './api.js';
import { honoApp } from './hono.js';
import { legacyApp } from './legacy.js';

const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'docs');

/** Options of {@link createMountExample}. */
export interface MountOptions {
  /** Session keys of the guestbook (each at least 32 bytes). */
  readonly keys: readonly string[];
  /** Where the access log goes, or false for none. Default: standard output. */
  readonly log?: LogStream | false;
}

/**
 * Several apps in one process, each under its own prefix with `urlMap` (longest prefix first):
 * the guestbook at `/`, a JSON API over the same entries at `/api`, a Hono app at `/hono`, an
 * Express app at `/legacy` and static docs at `/docs`. Each sees itself at the root and links
 * under its mount point. One access log around them all.
 * @example await serve(createMountExample({ keys: [key] }), { port: 8000 });
 */
export function createMountExample(options: MountOptions): App {
  const storage = memoryStorage(); // the guestbook's entries, read by the API too
  const links = [
    { label: 'API', path: '/api/' },
    { label: 'Hono', path: '/hono/' },
    { label: 'Express', path: '/legacy/' },
    { label: 'Docs', path: '/docs/' },
  ];
  const apps = urlMap({
    '/': createSite({ keys: options.keys, storage, links, log: false }),
    '/api': guestbookApi(storage),
    '/hono': honoApp(),
    '/legacy': legacyApp(),
    '/docs': serveStatic(DOCS_DIR),
  });
  return options.log === false ? apps : accessLog({ stream: options.log ?? process.stdout })(apps);
}
