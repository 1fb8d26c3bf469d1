import { domainToASCII } from 'node:url';
import {
  type App,
  BadRequest,
  DOT_SEGMENT_REASON,
  type Environ,
  hasDotSegment,
  mountedEnviron,
  NotFound,
  normalizeMountPrefix,
} from '@tsgi/core';

/** What {@link urlMap} mounts: a path prefix (`/api`) or a host and prefix (`http://admin.example.com/`) per app. */
export type UrlMapEntries = Readonly<Record<string, App>>;

interface Entry {
  readonly host: string | undefined;
  readonly port: string | undefined;
  readonly prefix: string;
  readonly app: App;
}

const HOST_KEY = /^(https?):\/\/([^/:\s]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(\/.*)?$/;

function parseKey(key: string, app: App): Entry {
  if (typeof app !== 'function') {
    throw new TypeError(`urlMap: the value for ${JSON.stringify(key)} is a ${typeof app}, not an app`);
  }
  if (key.startsWith('/') || key === '') {
    return {
      host: undefined,
      port: undefined,
      prefix: normalizeMountPrefix(key, `urlMap key ${JSON.stringify(key)}`),
      app,
    };
  }
  const match = HOST_KEY.exec(key);
  if (match === null) {
    throw new TypeError(
      `urlMap: key ${JSON.stringify(key)} must be a path ("/api") or "http://host[:port]/path"`,
    );
  }
  const prefix = normalizeMountPrefix(match[4] ?? '', `urlMap key ${JSON.stringify(key)}`);
  const given = match[2] as string;
  // browsers send an international name as punycode: compare in that form (lower-cased too)
  const host = given.startsWith('[') ? given.toLowerCase() : domainToASCII(given);
  if (host === '') throw new TypeError(`urlMap: key ${JSON.stringify(key)} does not hold a valid host name`);
  return { host, port: match[3], prefix, app };
}

/** The request's host name (lower-case, without port) and port, from `Host` or SERVER_NAME/PORT. */
function requestHost(environ: Environ): [host: string, port: string] {
  const header = environ.HTTP_HOST;
  if (header !== undefined && header !== '') {
    const bracket = header.startsWith('[') ? header.indexOf(']') : -1;
    const colon = header.indexOf(':', bracket + 1);
    if (colon === -1) return [header.toLowerCase(), environ.SERVER_PORT];
    return [header.slice(0, colon).toLowerCase(), header.slice(colon + 1)];
  }
  const name = environ.SERVER_NAME.toLowerCase();
  return [name.includes(':') ? `[${name}]` : name, environ.SERVER_PORT];
}

/**
 * Several apps in one process, each under its own prefix, as Rack's `URLMap` and werkzeug's
 * `DispatcherMiddleware` do. The longest matching prefix wins, whole segments only (`/api`
 * never matches `/apix`); keys `http://host/prefix` match that host only (port-insensitive
 * unless the key gives one; an international name as its punycode), and win over keys
 * without a host. The mounted app gets a copy
 * of the environ with the prefix moved from `PATH_INFO` to `SCRIPT_NAME` (core's mount split,
 * the same as the router's), so it builds links under its prefix. No match is a 404. A path
 * with a `.` or `..` segment (`/api/../admin`, also as `%2e%2e`: `PATH_INFO` is decoded) is a
 * 400, as in the router: the app at `/api` never sees `PATH_INFO` `/../admin`.
 *
 * When not to use it: to dispatch on patterns or methods (`/users/:id`), use a router; to try
 * apps in turn until one knows the path, use {@link cascade}.
 * @example
 * serve(urlMap({
 *   '/': site,
 *   '/api': api,                          // /api/users → SCRIPT_NAME '/api', PATH_INFO '/users'
 *   'http://admin.example.com/': admin,   // that host only, any port
 * }));
 */
export function urlMap(entries: UrlMapEntries): App {
  if (entries === null || typeof entries !== 'object') {
    throw new TypeError('urlMap: expected an object of prefix → app');
  }
  const list = Object.entries(entries).map(([key, app]) => parseKey(key, app));
  if (list.length === 0) throw new TypeError('urlMap: no apps given');
  // host-specific first, then the longest prefix
  list.sort(
    (a, b) =>
      Number(b.host !== undefined) - Number(a.host !== undefined) || b.prefix.length - a.prefix.length,
  );
  const hasHosts = list.some((entry) => entry.host !== undefined);
  return (environ, startResponse) => {
    const info = environ.PATH_INFO;
    if (info.indexOf('.') !== -1 && hasDotSegment(info)) {
      return new BadRequest(DOT_SEGMENT_REASON)(environ, startResponse);
    }
    const [host, port] = hasHosts ? requestHost(environ) : ['', ''];
    for (const entry of list) {
      if (
        entry.host !== undefined &&
        (entry.host !== host || (entry.port !== undefined && entry.port !== port))
      )
        continue;
      const inner = mountedEnviron(environ, entry.prefix);
      if (inner !== undefined) return entry.app(inner, startResponse);
    }
    return new NotFound()(environ, startResponse);
  };
}
