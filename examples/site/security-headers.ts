import { type Middleware, mapResponse } from '@tsgi/core';

// The site runs no script and loads nothing from elsewhere: the policy says so, and a script
// injected past the templates' escaping would not run. Frames: none (no clickjacking).
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  [
    'Content-Security-Policy',
    "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  ],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'same-origin'],
];

/** The site's security headers on every response, error pages included; a route's own value wins. */
export function securityHeaders(): Middleware {
  return mapResponse((response) => {
    for (const [name, value] of HEADERS) {
      if (response.getHeader(name) === undefined) response.setHeader(name, value);
    }
  });
}
