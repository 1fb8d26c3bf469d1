import { isIP } from 'node:net';
import type { Environ } from '@tsgi/core';
import { forwardedAddress } from './forwarded.js';

/**
 * The values a trusted proxy forwards, checked one by one before any reaches the environ:
 * what `proxyHeaders()` applies. A value that fails its check is ignored, never half-applied.
 */

/** What a proxy says about the request, one value per kind (undefined: not said, or not trusted). */
export interface ForwardedValues {
  for?: string | undefined;
  proto?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  prefix?: string | undefined;
}

// host[:port]: DNS labels or a bracketed IPv6 literal; anything else (a path, `@`, spaces) is refused
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

function validPort(value: string | undefined): value is string {
  return value !== undefined && /^\d{1,5}$/.test(value) && Number(value) <= 65535;
}

/** Applies the trusted values that are valid, each on its own. */
export function applyForwardedValues(environ: Environ, values: ForwardedValues): void {
  // some proxies (Azure's) write `ip:port` or `[v6]:port` into X-Forwarded-For
  const address =
    values.for === undefined || isIP(values.for) !== 0 ? values.for : forwardedAddress(values.for);
  if (address !== undefined && isIP(address) !== 0) environ.REMOTE_ADDR = address;
  const proto = values.proto?.toLowerCase();
  if (proto === 'http' || proto === 'https') environ['tsgi.url_scheme'] = proto;
  const host = values.host;
  const hostMatch = host === undefined ? null : HOST.exec(host);
  if (host !== undefined && hostMatch !== null && (hostMatch[1] === undefined || validPort(hostMatch[1]))) {
    environ.HTTP_HOST = host;
    const name = hostMatch[1] === undefined ? host : host.slice(0, host.length - hostMatch[1].length - 1);
    environ.SERVER_NAME = name.startsWith('[') ? name.slice(1, -1) : name;
    if (hostMatch[1] !== undefined) environ.SERVER_PORT = hostMatch[1];
  }
  if (validPort(values.port) && Number(values.port) > 0) {
    environ.SERVER_PORT = values.port;
    const current = environ.HTTP_HOST;
    if (current !== undefined && current !== '') {
      const match = HOST.exec(current);
      const name =
        match?.[1] === undefined ? current : current.slice(0, current.length - match[1].length - 1);
      environ.HTTP_HOST = `${name}:${values.port}`;
    }
  }
  const prefix = values.prefix === undefined ? undefined : decodedPrefix(values.prefix);
  if (prefix !== undefined) environ.SCRIPT_NAME = prefix + environ.SCRIPT_NAME;
}

/** A prefix path, decoded, without a trailing `/`; undefined when it is not a clean absolute path (no `.`, `..` or empty segment). */
function decodedPrefix(value: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || hasControlOrDelimiter(decoded)) return undefined;
  const trimmed = decoded.replace(/\/+$/, '');
  // an empty segment is refused too: `//evil.example` as SCRIPT_NAME makes links scheme-relative
  const segments = trimmed.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '..' || segment === '.')) return undefined;
  return trimmed;
}

function hasControlOrDelimiter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (
      code < 0x20 ||
      code === 0x7f ||
      code === 0x3f /* ? */ ||
      code === 0x23 /* # */ ||
      code === 0x5c /* \\ */
    )
      return true;
  }
  return false;
}
