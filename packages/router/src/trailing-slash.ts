import type { Environ } from '@tsgi/core';
import { segmentPathToUrl } from './encode.js';
import { segmentScriptName } from './segment-path.js';

/**
 * What a router does with a path that matches no route but would with its trailing slash
 * added or removed (`/users/` against `/users`):
 * - `'strict'` (the default): nothing; it is a 404, since `/users` and `/users/` are different URLs;
 * - `'redirect'`: a 308 Permanent Redirect to the spelling that matches, keeping the query
 *   string (308 keeps the method and body, unlike 301).
 */
export type TrailingSlash = 'strict' | 'redirect';

/** `path` (segment form) with its trailing slash removed, or one added; undefined for the root. */
export function otherSpelling(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
}

/**
 * Where to redirect for `path` (segment form, relative to the mount point): a path with
 * the query string. Undefined when the result would not be a plain path: a `Location`
 * starting with `//` is another host to a browser (`//evil.example`), an open redirect.
 */
export function redirectLocation(environ: Environ, path: string): string | undefined {
  const location = segmentPathToUrl(segmentScriptName(environ) + path);
  if (!location.startsWith('/') || location.startsWith('//')) return undefined;
  return environ.QUERY_STRING === '' ? location : `${location}?${environ.QUERY_STRING}`;
}
