import { type HtmlValue, html, type SafeHtml } from '@tsgi/core';

/** What every page shows around its content. */
export interface PageContext {
  /** The logged-in user's name, if any. */
  readonly user: string | undefined;
  /** Messages left by the previous request (after a redirect). */
  readonly flashes: readonly { readonly kind: string; readonly message: string }[];
  /** The CSRF token every form on the page carries. */
  readonly csrf: string;
  /** Where the site is mounted (`SCRIPT_NAME`), so links work under a prefix. */
  readonly base: string;
}

/** A hidden field with the CSRF token, for every form. */
export const csrfField = (context: PageContext): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${context.csrf}">`;

/** The whole page: head, header with the account links, flash messages, content, footer. */
export function layout(context: PageContext, title: string, content: HtmlValue): SafeHtml {
  const { base, user } = context;
  const account = user
    ? html`<span class="who">Signed in as <strong>${user}</strong></span>
        <form method="post" action="${base}/logout" class="inline">${csrfField(context)}<button class="link">Log out</button></form>`
    : html`<a href="${base}/login">Log in</a> <a class="button small" href="${base}/signup">Sign up</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · tsgi guestbook</title>
<link rel="stylesheet" href="${base}/static/style.css">
<link rel="icon" href="${base}/static/logo.svg" type="image/svg+xml">
</head>
<body>
<header class="site">
  <a class="brand" href="${base}/"><img src="${base}/static/logo.svg" alt="" width="28" height="28"> tsgi guestbook</a>
  <nav><a href="${base}/about">About</a> ${account}</nav>
</header>
<main>
${context.flashes.map((flash) => html`<p class="flash ${flash.kind}" role="status">${flash.message}</p>`)}
${content}
</main>
<footer>Served by tsgi: a router, sessions, CSRF, static files and compression, stacked as middleware.</footer>
</body>
</html>
`;
}
