import type { Environ, Request } from '@tsgi/core';
import { segmentPathToUrl } from './encode.js';
import { segmentScriptName } from './segment-path.js';

/** A query-string value; `undefined` and `null` leave the key out, an array repeats it. */
export type QueryValue = string | number | boolean | undefined | null;

/** Options of `router.url()` and `router.unmountedPath()`. */
export interface UrlOptions {
  /** Appended as `?…`, encoded (`{ q: 'a b', tag: ['x', 'y'] }` → `?q=a+b&tag=x&tag=y`). */
  query?: Readonly<Record<string, QueryValue | readonly QueryValue[]>> | URLSearchParams;
  /** Appended as `#…`, encoded. */
  hash?: string;
}

/**
 * The request a URL is built for: a core `Request` (what `handle()` gives a handler) or the
 * environ itself. Its `SCRIPT_NAME` (where the app is mounted) starts the URL.
 */
export type UrlBase = Request | (Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ>);

/** The environ of a {@link UrlBase}; a clear TypeError for anything else (the old `url(name, …)` form). */
export function environOf(base: unknown): Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ> {
  if (typeof base === 'object' && base !== null) {
    const environ = 'environ' in base ? (base as Request).environ : base;
    if (typeof (environ as Partial<Environ>).SCRIPT_NAME === 'string') return environ as Environ;
  }
  throw new TypeError(
    'url() takes the request (or its environ) first: url(request, name, params). ' +
      'For a path that ignores where the router is mounted, call unmountedPath(name, params).',
  );
}

/** Where the request's app is mounted, as the start of a URL: `SCRIPT_NAME`, percent-encoded (`%2F` kept). */
export function mountPointUrl(environ: Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ>): string {
  return segmentPathToUrl(segmentScriptName(environ));
}

/** Appends the query string and fragment of `options` to a percent-encoded path. */
export function finishUrl(path: string, options: UrlOptions): string {
  let url = path;
  const query = queryString(options.query);
  if (query !== '') url += `?${query}`;
  if (options.hash !== undefined && options.hash !== '') url += `#${encodeURIComponent(options.hash)}`;
  return url;
}

function queryString(query: UrlOptions['query']): string {
  if (query === undefined) return '';
  if (query instanceof URLSearchParams) return query.toString();
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) search.append(key, String(item));
    }
  }
  return search.toString();
}
