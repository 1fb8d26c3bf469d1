// Named routes checked at compile time when the router is built by chaining (tsc only).
import { type Request, Response } from '@tsgi/core';
import { handle, type Router, router } from '@tsgi/router';

declare const request: Request;

const blog = router()
  .get(
    '/',
    handle(() => 'index'),
    { name: 'index' },
  )
  .get(
    '/posts/:slug',
    handle((r) => r.params.slug),
    { name: 'post' },
  )
  .get(
    '/files/*path',
    handle((r) => r.params.path.join('/')),
    { name: 'file' },
  )
  .get(
    '/archive{/:year}',
    handle(() => 'archive'),
    { name: 'archive' },
  );

blog.url(request, 'post', { slug: 'hello' });
blog.url(request, 'post', { slug: 42 }, { query: { ref: 'feed' }, hash: 'top' });
blog.url(request, 'index');
blog.url(request, 'archive');
blog.url(request, 'archive', { year: 2024 });
blog.url(request, 'file', { path: ['a', 'b.txt'] });
blog.unmountedPath('post', { slug: 'hello' });
blog.url(request.environ, 'post', { slug: 'from the environ' });

// @ts-expect-error: misspelt route name
blog.url(request, 'psot', { slug: 'hello' });
// @ts-expect-error: missing parameter
blog.url(request, 'post');
// @ts-expect-error: missing parameter, among others given
blog.url(request, 'post', {});
// @ts-expect-error: wrong parameter name
blog.url(request, 'post', { id: 'hello' });
// @ts-expect-error: a wildcard takes an array of segments
blog.url(request, 'file', { path: 'a/b.txt' });
// @ts-expect-error: the request comes first: the old url(name, params) form
blog.url('post', { slug: 'hello' });
// @ts-expect-error: unmountedPath() checks names too
blog.unmountedPath('posts', { slug: 'hello' });

// A named mount of a chained router brings its routes in as `mount.route`, prefix params included
const site = router()
  .get(
    '/',
    handle(() => 'home'),
    { name: 'home' },
  )
  .mount('/users/:user/blog', blog, { name: 'blog' });
site.url(request, 'blog.post', { user: 'ann', slug: 'hi' });
site.url(request, 'blog', { user: 'ann' });
site.url(request, 'home');
// @ts-expect-error: the mount's parameter is missing
site.url(request, 'blog.post', { slug: 'hi' });
// @ts-expect-error: no such route in the mounted router
site.url(request, 'blog.nope', { user: 'ann' });

// The bare Router type takes any name (for routers built statement by statement)
const loose: Router = router();
loose.get(
  '/users/:id',
  handle((r) => r.params.id),
  { name: 'user' },
);
loose.url(request, 'anything', { any: 'value' });
// A chained router is still a Router, and mounting a loose one accepts any dotted name
const asLoose: Router = blog;
router().mount('/x', loose, { name: 'x' }).url(request, 'x.whatever');

// A plain app mounted with a name adds only its mount point
const withApp = router().mount('/static/:version', Response.text('files'), { name: 'static' });
withApp.url(request, 'static', { version: 3 });
// @ts-expect-error: a plain app has no named routes
withApp.url(request, 'static.file', { version: 3 });

export { asLoose, site };
