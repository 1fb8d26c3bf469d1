import { NotFound, Response } from '@tsgi/core';
import { handle, router } from '@tsgi/router';
import type { Entry, Storage } from '../site/storage.js';

/**
 * A JSON API over the guestbook's storage, mounted at `/api`. Every link in its answers is
 * built with `api.url(request, …)`, so it starts with wherever the API is mounted.
 * (The handlers read `api` itself, so they declare their return type.)
 */
export function guestbookApi(storage: Storage) {
  const api = router()
    .get(
      '/',
      handle((request): Response => Response.json({ entries: api.url(request, 'entries') })),
      { name: 'index' },
    )
    .get(
      '/entries',
      handle(async (request): Promise<Response> => {
        const entries = await storage.entries(50);
        return Response.json(
          entries.map((entry) => shown(entry, api.url(request, 'entry', { id: entry.id }))),
        );
      }),
      { name: 'entries' },
    )
    .get(
      '/entries/:id',
      handle(async (request): Promise<Response> => {
        const all = await storage.entries(1000); // the storage keeps 1000 at most
        const entry = all.find((e) => e.id === request.params.id);
        if (entry === undefined) throw new NotFound(`No entry ${request.params.id}`);
        return Response.json(shown(entry, api.url(request, 'entry', { id: entry.id })));
      }),
      { name: 'entry' },
    );
  return api;
}

const shown = (entry: Entry, href: string) => ({ ...entry, at: new Date(entry.at).toISOString(), href });
