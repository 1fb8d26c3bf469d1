// A router declares the parameters it gets from the mount prefix above it (tsc only).
import { Response } from '@tsgi/core';
import { handle, router } from '@tsgi/router';

// the blog's handlers see `user` from the prefix it is mounted under, and their own params
const blog = router<{ user: string }>()
  .get(
    '/posts/:slug',
    handle((request) => {
      const user: string = request.params.user;
      const slug: string = request.params.slug;
      // @ts-expect-error: neither the pattern nor the mount gives it
      request.params.tenant;
      return Response.json({ user, slug });
    }),
    { name: 'post' },
  )
  // a handler made apart, needing nothing from above, fits too
  .get(
    '/about',
    handle<'/about'>(() => 'about'),
  );

// mounted under a prefix that gives `user` (the top router may give others)
export const site = router().mount('/users/:user/blog', blog, { name: 'blog' });
export const deeper = router().mount('/org/:org', router<{ org: string }>().mount('/u/:user', blog));

// @ts-expect-error: this prefix gives no `user`
router().mount('/blog', blog);
// @ts-expect-error: an optional `user` is not enough
router().mount('/blog{/:user}', blog);

// a handler that needs a mount parameter fits only a router that declares it
const needsUser = handle<'/x', { user: string }>((request) => request.params.user);
router<{ user: string }>().get('/x', needsUser);
// @ts-expect-error: the router gives no `user`
router().get('/x', needsUser);
