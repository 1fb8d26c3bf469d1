import { html, type SafeHtml } from '@tsgi/core';
import type { Entry } from '../storage.js';
import { csrfField, layout, type PageContext } from './layout.js';

type Errors = Partial<Record<string, string>>;

/** A labelled input with its error message beside it (and `aria-invalid` for screen readers). */
function field(
  label: string,
  name: string,
  type: string,
  value: string,
  errors: Errors,
  extra = '',
): SafeHtml {
  const error = errors[name];
  return html`<label for="${name}">${label}</label>
<input id="${name}" name="${name}" type="${type}" value="${value}" ${extra === '' ? '' : html`autocomplete="${extra}"`} ${error ? html`aria-invalid="true" aria-describedby="${name}-error"` : ''}>
${error ? html`<p class="error" id="${name}-error">${error}</p>` : ''}`;
}

const when = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 16);

/** The guestbook: the form to sign it (or an invitation to log in), then the entries. */
export function homePage(
  context: PageContext,
  entries: readonly Entry[],
  draft = '',
  errors: Errors = {},
): SafeHtml {
  const { base, user } = context;
  const form = user
    ? html`<form method="post" action="${base}/entries" class="card">
  ${csrfField(context)}
  <label for="text">Leave a message</label>
  <textarea id="text" name="text" rows="3" maxlength="600" ${errors.text ? html`aria-invalid="true"` : ''}>${draft}</textarea>
  ${errors.text ? html`<p class="error">${errors.text}</p>` : ''}
  <button>Sign the guestbook</button>
</form>`
    : html`<p class="card muted"><a href="${base}/signup">Sign up</a> or <a href="${base}/login">log in</a> to sign the guestbook.</p>`;
  const list =
    entries.length === 0
      ? html`<p class="muted">No entries yet. Be the first!</p>`
      : html`<ol class="entries">${entries.map(
          (entry) => html`<li>
  <p class="text">${entry.text}</p>
  <p class="meta"><strong>${entry.author}</strong> · <time datetime="${new Date(entry.at).toISOString()}">${when(entry.at)} UTC</time>
  ${entry.author === user ? html`<form method="post" action="${base}/entries/${entry.id}/delete" class="inline">${csrfField(context)}<button class="link danger">delete</button></form>` : ''}</p>
</li>`,
        )}</ol>`;
  return layout(context, 'Guestbook', html`<h1>Guestbook</h1>${form}<h2>Messages</h2>${list}`);
}

/** Sign up or log in: the same form with a different heading and action. */
export function accountPage(
  context: PageContext,
  kind: 'signup' | 'login',
  values: { name: string },
  errors: Errors = {},
): SafeHtml {
  const title = kind === 'signup' ? 'Sign up' : 'Log in';
  const other =
    kind === 'signup'
      ? html`Already have an account? <a href="${context.base}/login">Log in</a>.`
      : html`New here? <a href="${context.base}/signup">Sign up</a>.`;
  return layout(
    context,
    title,
    html`<h1>${title}</h1>
<form method="post" action="${context.base}/${kind}" class="card narrow" novalidate>
  ${csrfField(context)}
  ${errors.form ? html`<p class="error">${errors.form}</p>` : ''}
  ${field('Name', 'name', 'text', values.name, errors, 'username')}
  ${field('Password', 'password', 'password', '', errors, kind === 'signup' ? 'new-password' : 'current-password')}
  <button>${title}</button>
</form>
<p class="muted">${other}</p>`,
  );
}

/** What the site is made of. */
export function aboutPage(context: PageContext): SafeHtml {
  return layout(
    context,
    'About',
    html`<h1>About this site</h1>
<div class="card prose">
<p>This guestbook is one tsgi app: a function <code>(environ, startResponse) =&gt; body</code>, wrapped in middleware, each a function from app to app.</p>
<ul>
<li><strong>Router</strong>: <code>@tsgi/router</code> dispatches the pages and forms.</li>
<li><strong>Sessions</strong>: in memory by default, in Redis with <code>REDIS_URL</code>; a new session id on log-in.</li>
<li><strong>CSRF</strong>: every form carries a token, masked afresh on each page.</li>
<li><strong>Static files and compression</strong>: this page's stylesheet comes from disk, compressed.</li>
<li><strong>Access log and error pages</strong>: every request is logged to the terminal.</li>
</ul>
<p>Passwords are hashed with scrypt from <code>node:crypto</code>; nothing leaves this machine.</p>
</div>`,
  );
}

/** 404 and 500, in the site's own layout. */
export function errorPage(context: PageContext, status: number, message: string): SafeHtml {
  const title = status === 404 ? 'Page not found' : 'Something went wrong';
  return layout(
    context,
    title,
    html`<h1>${status} · ${title}</h1><p class="card">${message}</p><p><a href="${context.base}/">Back to the guestbook</a></p>`,
  );
}
