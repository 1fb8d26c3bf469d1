import type { App } from '@tsgi/core';
import { type LogStream, urlMap } from '@tsgi/middleware';
import { createSite } from '../site/site.js';
import { memoryStorage } from '../site/storage.js';
import { guestbookApi } from './api.js';
import { honoApp } from './hono.js';
import { legacyApp } from './legacy.js';

/** Options of {@link createMountExample}. */
export interface MountOptions {
  /** Session keys of the guestbook (each at least 32 bytes). */
  readonly keys: readonly string[];
  /** The guestbook's access log, or false. Default: standard output. */
  readonly log?: LogStream | false;
}

/**
 * Several apps in one process, each under its own prefix with `urlMap` (longest prefix first):
 * the guestbook at `/`, a JSON API over the same entries at `/api`, a Hono app at `/hono` and
 * an Express app at `/legacy`. Each sees itself at the root and links under its mount point.
 * @example await serve(createMountExample({ keys: [key] }), { port: 8000 });
 */
export function createMountExample(options: MountOptions): App {
  const storage = memoryStorage(); // the guestbook's entries, read by the API too
  const links = [
    { label: 'API', path: '/api/' },
    { label: 'Hono', path: '/hono/' },
    { label: 'Express', path: '/legacy/' },
  ];
  return urlMap({
    '/': createSite({ keys: options.keys, storage, links, log: options.log }),
    '/api': guestbookApi(storage),
    '/hono': honoApp(),
    '/legacy': legacyApp(),
  });
}
