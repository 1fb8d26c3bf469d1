import type { Environ } from '@tsgi/core';
import { segmentPathToUrl } from './encode.js';
import { segmentScriptName } from './segment-path.js';

/** A query-string value; `undefined` and `null` leave the key out, an array repeats it. */
export type QueryValue = string | number | boolean | undefined | null;

/** Options of `router.url()`. */
export interface UrlOptions {
  /** Appended as `?…`, encoded (`{ q: 'a b', tag: ['x', 'y'] }` → `?q=a+b&tag=x&tag=y`). */
  query?: Readonly<Record<string, QueryValue | readonly QueryValue[]>> | URLSearchParams;
  /**
   * The current request's environ: its `SCRIPT_NAME` (where the app is mounted) prefixes
   * the path, so that a mounted app links to itself correctly.
   */
  environ?: Pick<Environ, 'SCRIPT_NAME'> & Partial<Environ>;
  /** Appended as `#…`, encoded. */
  hash?: string;
}

/** Completes a route's path (percent-encoded, relative to the router) into the URL `url()` returns. */
export function finishUrl(path: string, options: UrlOptions): string {
  let url = options.environ ? segmentPathToUrl(segmentScriptName(options.environ)) + path : path;
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
