// A chained router that builds its own URLs inside a handler (tsc only). TypeScript cannot
// infer the type of `api` from an initializer that reads `api` in a function whose return
// type it must infer (TS7022 and TS7024): annotating that handler's return type is enough.
import type { Body } from '@tsgi/core';
import { Response } from '@tsgi/core';
import { handle, router } from '@tsgi/router';

export const api = router()
  .post(
    '/users',
    handle(
      (request): Response =>
        new Response('created', { status: 201, headers: { Location: api.url(request, 'user', { id: 2 }) } }),
    ),
  )
  // a plain app: the same annotation, Body
  .get('/links', (environ, startResponse): Body => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [api.url(environ, 'user', { id: 1 })];
  })
  .get(
    '/users/:id',
    handle((request) => request.params.id),
    { name: 'user' },
  );

// …and the names stay checked inside the handler
export const checked = router()
  .get(
    '/',
    handle((request): string =>
      // @ts-expect-error: misspelt, even from inside
      checked.url(request, 'usr', { id: 1 }),
    ),
  )
  .get(
    '/users/:id',
    handle((request) => request.params.id),
    { name: 'user' },
  );
