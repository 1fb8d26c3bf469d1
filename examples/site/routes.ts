import { randomUUID } from 'node:crypto';
import { type Environ, NotFound, Response } from '@tsgi/core';
import { flash } from '@tsgi/middleware';
import { getSession } from '@tsgi/middleware/session';
import { handle, router } from '@tsgi/router';
import type { Accounts } from './accounts.js';
import { pageContext } from './context.js';
import { checkEntry, checkLogIn, checkSignUp } from './forms.js';
import type { Storage } from './storage.js';
import type { NavLink } from './views/layout.js';
import { aboutPage, accountPage, homePage } from './views/pages.js';

/** What the routes work on. */
export interface RouteDeps {
  readonly accounts: Accounts;
  readonly storage: Storage;
  /** Apps mounted beside the site, linked from its header. */
  readonly links: readonly NavLink[];
}

const SHOWN = 50;
const invalid = { status: 422 }; // a form sent back with its errors

/** Starts the user's session anew (against session fixation) and signs them in. */
function signIn(environ: Environ, name: string, welcome: string): void {
  const session = getSession(environ);
  session.regenerate();
  session.setUser(name);
  flash(environ, welcome, 'success');
}

/**
 * The guestbook's pages and forms. Every redirect is built with `site.url(request, …)`, so
 * it starts with the request's mount point: the site works at `/` and under any prefix.
 * (The handlers that read `site` declare their return type: TypeScript needs it to type a
 * router that refers to itself.)
 */
export function siteRoutes({ accounts, storage, links }: RouteDeps) {
  const context = (environ: Environ) => pageContext(environ, links);
  const site = router()
    .get(
      '/',
      handle(async (request) =>
        Response.html(homePage(context(request.environ), await storage.entries(SHOWN))),
      ),
      { name: 'home' },
    )
    .get(
      '/about',
      handle((request) => Response.html(aboutPage(context(request.environ)))),
      { name: 'about' },
    )
    .post(
      '/entries',
      handle(async (request): Promise<Response> => {
        const author = getSession(request.environ).userId;
        if (author === undefined) {
          flash(request.environ, 'Log in to sign the guestbook.', 'error');
          return Response.redirect(site.url(request, 'login'), 303);
        }
        const entry = checkEntry(await request.form());
        if (!entry.ok) {
          const entries = await storage.entries(SHOWN);
          return Response.html(
            homePage(context(request.environ), entries, entry.values.text, entry.errors),
            invalid,
          );
        }
        await storage.addEntry({ id: randomUUID(), author, text: entry.values.text, at: Date.now() });
        flash(request.environ, 'Thanks for signing the guestbook!', 'success');
        return Response.redirect(site.url(request, 'home'), 303);
      }),
    )
    .post(
      '/entries/:id/delete',
      handle(async (request): Promise<Response> => {
        const author = getSession(request.environ).userId;
        // someone else's entry, or none: the same 404, so ids of others' entries tell nothing
        if (author === undefined || !(await storage.removeEntry(request.params.id, author))) {
          throw new NotFound('No entry of yours has that id.');
        }
        flash(request.environ, 'Your entry was deleted.');
        return Response.redirect(site.url(request, 'home'), 303);
      }),
    )
    .get(
      '/signup',
      handle((request) => Response.html(accountPage(context(request.environ), 'signup', { name: '' }))),
      {
        name: 'signup',
      },
    )
    .post(
      '/signup',
      handle(async (request): Promise<Response> => {
        const form = checkSignUp(await request.form());
        const page = (errors: typeof form.errors) =>
          Response.html(accountPage(context(request.environ), 'signup', form.values, errors), invalid);
        if (!form.ok) return page(form.errors);
        if (!(await accounts.create(form.values.name, form.values.password))) {
          return page({ name: 'That name is taken. Pick another one.' });
        }
        signIn(
          request.environ,
          form.values.name.toLowerCase(),
          `Welcome, ${form.values.name}! Your account is ready.`,
        );
        return Response.redirect(site.url(request, 'home'), 303);
      }),
    )
    .get(
      '/login',
      handle((request) => Response.html(accountPage(context(request.environ), 'login', { name: '' }))),
      {
        name: 'login',
      },
    )
    .post(
      '/login',
      handle(async (request): Promise<Response> => {
        const form = checkLogIn(await request.form());
        const page = (errors: Record<string, string | undefined>) =>
          Response.html(accountPage(context(request.environ), 'login', form.values, errors), invalid);
        if (!form.ok) return page(form.errors);
        const name = await accounts.verify(form.values.name, form.values.password);
        // one message for both cases: the page does not tell which names exist
        if (name === undefined) return page({ form: 'Wrong name or password.' });
        signIn(request.environ, name, `Welcome back, ${name}!`);
        return Response.redirect(site.url(request, 'home'), 303);
      }),
    )
    .post(
      '/logout',
      handle((request): Response => {
        getSession(request.environ).destroy(); // final: the old id stays dead, even for a request in flight
        flash(request.environ, 'You are logged out. See you soon!'); // lands in a new, empty session
        return Response.redirect(site.url(request, 'home'), 303);
      }),
    );
  return site;
}
