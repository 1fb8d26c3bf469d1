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
    if (char === '"' && value[i - 1] !== '\\') quoted = !quoted;
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

/**
 * `Vary: Cookie` on a response the session was used for (Django's rule): what it shows depends on
 * the cookie, so a cache that keeps it must keep one copy per cookie, never one for everybody.
 * @example if (state.used) varyOnCookie(response);
 */
export function varyOnCookie(response: Captured): void {
  // one pass over the headers, lowercasing only a name of Vary's length: this runs on every
  // request that reads the session, where addVary's split-and-rewrite cost ~2,500 instructions
  let vary = -1;
  const headers = response.headers;
  for (let i = 0; i < headers.length; i++) {
    const name = (headers[i] as [string, string])[0];
    if (name.length === 4 && name.toLowerCase() === 'vary') {
      if (vary >= 0) return void varyJoined(response); // several Vary headers: rare
      vary = i;
    }
  }
  if (vary < 0) return void response.appendHeader('Vary', 'Cookie');
  const value = (headers[vary] as [string, string])[1];
  if (VARIES_ON_COOKIE.test(value)) return;
  response.headers = headers.map((header, i) => (i === vary ? ['Vary', `${value}, Cookie`] : header));
}

/** Several Vary headers: one, with all their names and Cookie (unless one names it or `*`). */
function varyJoined(response: Captured): void {
  const isVary = (name: string) => name.toLowerCase() === 'vary';
  const values = response.headers.filter(([name]) => isVary(name)).map(([, value]) => value);
  if (values.some((value) => VARIES_ON_COOKIE.test(value))) return;
  response.headers = [
    ...response.headers.filter(([name]) => !isVary(name)),
    ['Vary', `${values.join(', ')}, Cookie`],
  ];
}

/** A Vary value that already names Cookie, or `*`. */
const VARIES_ON_COOKIE = /(?:^|,)\s*(?:cookie|\*)\s*(?:,|$)/i;
