import type { Environ } from '../types.js';
import { encodePath } from './raw-path.js';

/**
 * Moves the first segment of PATH_INFO to the end of SCRIPT_NAME and returns it, like
 * `wsgiref.util.shift_path_info`: with SCRIPT_NAME `/app` and PATH_INFO `/users/7`, it returns
 * `'users'` and leaves `/app/users` and `/7`. It MUTATES the environ, as in WSGI, so that the
 * app you dispatch to sees its own mount point; pass a copy (`{ ...environ }`) to keep yours.
 *
 * Empty segments and `.` are skipped (`//a/./b` shifts `a`); `..` is returned as such and
 * takes the last segment off SCRIPT_NAME (never above the root). Returns undefined when no
 * segment is left: PATH_INFO `''` or `/` (a trailing slash stays in PATH_INFO, since
 * SCRIPT_NAME never ends with `/`).
 * @example
 * const name = shiftPath(environ);           // 'users'
 * const app = name === undefined ? index : apps[name];
 */
export function shiftPath(environ: Environ): string | undefined {
  const path = environ.PATH_INFO;
  if (path === '') return undefined;
  const parts = path.split('/');
  // empty and '.' segments before the last one are noise; the last one keeps a trailing slash
  const middle = parts.slice(1, -1).filter((part) => part !== '' && part !== '.');
  const rest = [...middle, parts[parts.length - 1] as string];
  const name = rest.shift() as string;
  if (name === '') return undefined; // only slashes left
  environ.PATH_INFO = rest.length === 0 ? '' : `/${rest.join('/')}`;
  if (name === '.') return undefined; // `/.` names the current mount point: nothing to shift
  const script = environ.SCRIPT_NAME;
  environ.SCRIPT_NAME =
    name === '..' ? script.slice(0, Math.max(0, script.lastIndexOf('/'))) : `${script}/${name}`;
  return name;
}

/** Options of {@link requestUri}. */
export interface RequestUriOptions {
  /** Append `?QUERY_STRING` when there is one. Default true. */
  includeQuery?: boolean;
}

/**
 * The full URL of the request, rebuilt from the environ as PEP 3333 describes (the
 * application URI, then PATH_INFO percent-encoded back, then the query string).
 * The host comes from the client's `Host` header when there is one: do not trust it for
 * anything security-relevant without checking it against the hosts you serve.
 * @example
 * requestUri(environ);                          // 'http://example.com/app/users/7?tab=posts'
 * requestUri(environ, { includeQuery: false }); // 'http://example.com/app/users/7'
 */
export function requestUri(environ: Environ, options: RequestUriOptions = {}): string {
  let url = applicationUri(environ);
  const path = encodePath(environ.PATH_INFO);
  url += environ.SCRIPT_NAME === '' ? path.slice(1) : path;
  if ((options.includeQuery ?? true) && environ.QUERY_STRING !== '') url += `?${environ.QUERY_STRING}`;
  return url;
}

/**
 * The URL of the app itself: scheme, host (the `Host` header, else SERVER_NAME with
 * SERVER_PORT unless it is the scheme's default) and SCRIPT_NAME, percent-encoded.
 * It ends with `/` only at the root. This is where a mounted app's links start.
 * @example
 * applicationUri(environ); // 'https://example.com/blog' for an app mounted at /blog
 */
export function applicationUri(environ: Environ): string {
  const scheme = environ['tsgi.url_scheme'];
  let host = environ.HTTP_HOST;
  if (host === undefined || host === '') {
    const name = environ.SERVER_NAME.includes(':') ? `[${environ.SERVER_NAME}]` : environ.SERVER_NAME;
    const port = environ.SERVER_PORT;
    const isDefault = port === '' || (scheme === 'https' ? port === '443' : port === '80');
    host = isDefault ? name : `${name}:${port}`;
  }
  return `${scheme}://${host}${encodePath(environ.SCRIPT_NAME) || '/'}`;
}
