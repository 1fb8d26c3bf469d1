import type { Environ, HeaderList } from '@tsgi/core';
import { isHopByHop, isToken } from '@tsgi/core/http';
import type { Settings } from './options.js';
import { rawName } from './raw-names.js';
import type { Upstream } from './upstream.js';

// Request headers the proxy sets itself, or that must not reach an upstream: `Proxy` (httpoxy:
// a CGI-style upstream would take it for HTTP_PROXY), `Expect` (the proxy streams the body as it
// comes; the client's 100-continue was answered by the server in front), and the forwarding
// headers it appends to.
const OWN = new Set(['host', 'proxy', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * The request headers for the upstream, as a flat `[name, value, …]` list: the client's headers
 * (rebuilt from `HTTP_*`, `CONTENT_TYPE`, `CONTENT_LENGTH`) without hop-by-hop ones and without
 * every header the client's `Connection` names, then `Host`, `X-Forwarded-*` and `Forwarded`.
 */
export function requestHeaders(environ: Environ, upstream: Upstream, settings: Settings): string[] {
  const named = connectionNamed(environ.HTTP_CONNECTION);
  const forwarded = settings.headers.forwarded;
  const flat: string[] = [];
  for (const key in environ) {
    if (!key.startsWith('HTTP_')) continue;
    const value = environ[key];
    if (typeof value !== 'string') continue;
    const name = headerName(key);
    if (OWN.has(name) || isHopByHop(name) || named?.has(name) === true) continue;
    if (forwarded && name === 'forwarded') continue;
    flat.push(name, value);
  }
  if (environ.CONTENT_TYPE !== undefined) flat.push('content-type', environ.CONTENT_TYPE);
  if (environ.CONTENT_LENGTH !== undefined) flat.push('content-length', environ.CONTENT_LENGTH);
  const clientHost = environ.HTTP_HOST ?? `${environ.SERVER_NAME}:${environ.SERVER_PORT}`;
  flat.push('host', settings.headers.host === 'rewrite' ? upstream.host : clientHost);
  const scheme = environ['tsgi.url_scheme'];
  const address = environ.REMOTE_ADDR;
  // the client's entries, unless its Connection made them hop-by-hop; the proxy's own always go
  const earlier = (name: string, value: string | undefined) => (named?.has(name) ? undefined : value);
  if (settings.headers.xForwarded) {
    const hops = earlier('x-forwarded-for', environ.HTTP_X_FORWARDED_FOR);
    if (address !== '') flat.push('x-forwarded-for', appended(hops, address));
    flat.push(
      'x-forwarded-proto',
      appended(earlier('x-forwarded-proto', environ.HTTP_X_FORWARDED_PROTO), scheme),
    );
    flat.push(
      'x-forwarded-host',
      appended(earlier('x-forwarded-host', environ.HTTP_X_FORWARDED_HOST), clientHost),
    );
  }
  if (forwarded) {
    const element = forwardedElement(address, clientHost, scheme);
    flat.push('forwarded', appended(earlier('forwarded', environ.HTTP_FORWARDED), element));
  }
  return flat;
}

/**
 * The response headers for the client, from undici's flat raw list (names as the upstream
 * spelled them, in order), without hop-by-hop headers and those the upstream's `Connection`
 * names (what core's `endToEndHeaders` does, here straight from the raw Buffers, each name
 * decoded and lower-cased once per spelling by `rawName`: endToEndHeaders copies the list and
 * lower-cases each name three times). Returns undefined for a head no client
 * should get (two different `Content-Length`s, which would let the client and the proxy
 * disagree on the end).
 */
export function responseHeaders(raw: ReadonlyArray<Buffer | string>, status: number): HeaderList | undefined {
  const headers: HeaderList = [];
  // lower-cased names of `headers`, needed only when Connection names something
  const lowers: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const { name, lower, hopByHop } = rawName(raw[i]!);
    if (lower === 'connection') {
      for (const token of raw[i + 1]!.toString('latin1').split(',')) {
        const option = token.trim().toLowerCase();
        // `keep-alive`, the usual one, is dropped anyway: no set for it
        if (isHopByHop(option)) continue;
        named ??= new Set();
        named.add(option);
      }
      continue;
    }
    // `Status`: a CGI-ism the server would refuse
    if (hopByHop || lower === 'status') continue;
    headers.push([name, raw[i + 1]!.toString('latin1')]);
    lowers.push(lower);
  }
  let length: string | undefined;
  let kept = 0;
  for (let i = 0; i < headers.length; i++) {
    const lower = lowers[i]!;
    if (named?.has(lower) === true) continue;
    const pair = headers[i]!;
    if (lower === 'content-length') {
      if (length !== undefined) {
        if (length !== pair[1]) return undefined;
        continue;
      }
      length = pair[1];
      if (status === 204) continue;
    }
    headers[kept++] = pair;
  }
  headers.length = kept;
  return headers;
}

/**
 * One RFC 7239 element: `for=…;host=…;proto=…`, each value a token or a quoted string
 * (an IPv6 address in brackets, quoted; an unknown address as `unknown`).
 * @example forwardedElement('::1', 'example.com:8080', 'https') // 'for="[::1]";host="example.com:8080";proto=https'
 */
export function forwardedElement(address: string, host: string, scheme: string): string {
  const node = address === '' ? 'unknown' : address.includes(':') ? `[${address}]` : address;
  return `for=${forwardedValue(node)};host=${forwardedValue(host)};proto=${forwardedValue(scheme)}`;
}

function forwardedValue(value: string): string {
  return isToken(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

// Header names by environ key: a site sees a few dozen, converted once. Bounded, so that a
// client sending random names cannot grow it.
const names = new Map<string, string>();

/** `HTTP_X_REQUEST_ID` → `x-request-id`. */
function headerName(key: string): string {
  let name = names.get(key);
  if (name === undefined) {
    name = key.slice(5).toLowerCase().replaceAll('_', '-');
    if (names.size < 512) names.set(key, name);
  }
  return name;
}

/** The header names a `Connection` value lists, lower-cased. */
function connectionNamed(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const names = new Set<string>();
  for (const token of value.split(',')) names.add(token.trim().toLowerCase());
  return names;
}

function appended(existing: string | undefined, value: string): string {
  return existing === undefined || existing === '' ? value : `${existing}, ${value}`;
}
