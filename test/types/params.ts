// Route parameters typed from the path-to-regexp v8 pattern (checked by tsc only).
import { Response } from '@tsgi/core';
import { handle, type ParamsOf, router, type UrlParamsOf } from '@tsgi/router';
import { assert, type Equal } from './expect.js';

// `:name` is a string, `*name` an array of segments, names inside `{…}` optional
assert<Equal<ParamsOf<'/users/:id/files/*path'>, { readonly id: string; readonly path: string[] }>>(true);
assert<Equal<ParamsOf<'/posts{/:year{/:month}}'>, { readonly year?: string; readonly month?: string }>>(true);
assert<Equal<ParamsOf<'/files{/*rest}'>, { readonly rest?: string[] }>>(true);
// names end where an identifier does; quoted names may hold anything; `\` escapes
assert<Equal<ParamsOf<'/:a.:b-:c'>, { readonly a: string; readonly b: string; readonly c: string }>>(true);
assert<Equal<ParamsOf<'/:"user-id"/:"a\\"b"'>, { readonly 'user-id': string; readonly 'a"b': string }>>(true);
assert<Equal<ParamsOf<'/a\\:b/\\*c/:d'>, { readonly d: string }>>(true);
assert<Equal<ParamsOf<'/'>, Record<never, never>>>(true);
// a pattern known only as a string gives the loose record
assert<Equal<ParamsOf<string>, Readonly<Record<string, string | string[]>>>>(true);
// url() takes numbers too, and arrays of them for a wildcard
assert<
  Equal<UrlParamsOf<'/f/*p{/:q}'>, { readonly p: readonly (string | number)[]; readonly q?: string | number }>
>(true);

// A handler given to a route sees the params of its pattern
export const app = router()
  .get(
    '/users/:id/files/*path',
    handle((request) => {
      const id: string = request.params.id;
      const path: string[] = request.params.path;
      // @ts-expect-error: no parameter of that name in the pattern
      request.params.name;
      // @ts-expect-error: a wildcard is an array, not a string
      const wrong: string = request.params.path;
      return Response.json({ id, path, wrong });
    }),
  )
  .post(
    '/posts{/:year}',
    handle((request) => {
      // @ts-expect-error: optional: it may be undefined
      const year: string = request.params.year;
      return year ?? 'all';
    }),
  )
  .all(
    '/:"quoted-name"',
    handle((request) => request.params['quoted-name']),
  )
  // the plain App form still works
  .get('/plain/:id', (_environ, startResponse) => {
    startResponse('200 OK', []);
    return [];
  });

// A handler made apart from a route names its pattern
export const show = handle<'/users/:id'>((request) => request.params.id);
// …and then fits only a route with that pattern
router().get('/users/:id', show);
// @ts-expect-error: made for another pattern
router().get('/posts/:slug', show);

// The typed request is still core's Request
export const passOn = handle<'/x/:id'>((request) => takesRequest(request));
function takesRequest(request: import('@tsgi/core').Request): string {
  return request.path;
}
