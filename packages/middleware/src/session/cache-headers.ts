// What a session's response tells caches: one user's page or cookie must never be stored by a
// shared cache (a CDN, a corporate proxy) and handed to the next user.
import type { Captured } from '@tsgi/core';

/**
 * The directives of a `Cache-Control` value, split at the commas outside quoted strings (a
 * `no-cache="Set-Cookie, X"` stays one directive). Empty parts are dropped; never throws.
 * Hand-written: no maintained package splits Cache-Control without also interpreting it.
 * @example cacheDirectives('public, max-age=60') // ['public', 'max-age=60']
 */
export function cacheDirectives(value: string): string[] {
  const directives: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= value.length; i++) {
    const char = value[i];
    // a quoted-pair (`\"`, `\\`) is one character: skipping it, `"a\\"` closes where it should
    if (quoted && char === '\\' && i + 1 < value.length) i++;
    else if (char === '"') quoted = !quoted;
    else if (i === value.length || (char === ',' && !quoted)) {
      const directive = value.slice(start, i).trim();
      if (directive !== '') directives.push(directive);
      start = i + 1;
    }
  }
  return directives;
}

/** The name of a directive, lowercased: `s-maxage` for `S-MaxAge=60`. */
const nameOf = (directive: string) => {
  const eq = directive.indexOf('=');
  return (eq < 0 ? directive : directive.slice(0, eq)).trim().toLowerCase();
};

/**
 * `Cache-Control` for a response that carries a session cookie: no shared cache may store it.
 * Absent: `private`. `private` or `no-store` already there (bare): unchanged. Otherwise `public`
 * and `s-maxage` (which only shared caches obey) go and `private` comes first; the rest
 * (`max-age`, `must-revalidate`, …) stays, so the browser's own cache still works.
 * @example privateCacheControl('public, max-age=60') // 'private, max-age=60'
 */
export function privateCacheControl(value: string | undefined): string {
  if (value === undefined) return 'private';
  const directives = cacheDirectives(value);
  if (directives.some((d) => d.indexOf('=') < 0 && /^(?:private|no-store)$/i.test(d.trim()))) return value;
  const kept = directives.filter((d) => {
    const name = nameOf(d);
    return name !== 'public' && name !== 's-maxage' && name !== 'private';
  });
  return ['private', ...kept].join(', ');
}

/** Every `Cache-Control` header of the response joined (a list header may come in several). */
function cacheControlOf(response: Captured): string | undefined {
  let joined: string | undefined;
  for (const [name, value] of response.headers) {
    if (name.length === 13 && name.toLowerCase() === 'cache-control')
      joined = joined === undefined ? value : `${joined}, ${value}`;
  }
  return joined;
}

/**
 * Makes a response that sets the session cookie private (see {@link privateCacheControl}), as a
 * `Cache-Control: public` from the app would let a shared cache keep one user's `Set-Cookie`.
 * @example if (setCookie !== undefined) keepPrivate(response);
 */
export function keepPrivate(response: Captured): void {
  const current = cacheControlOf(response);
  const wanted = privateCacheControl(current);
  if (wanted !== current) response.setHeader('Cache-Control', wanted);
}
