import { serialize } from 'cookie';

/**
 * The `Cookie` request header read into every value of every name, in order. Hand-written
 * because `cookie@1`'s `parse` keeps only the first of a repeated name (jshttp/cookie#60), and
 * `getAll` needs them all. Names are taken as sent, never percent-decoded (CVE-2020-8184: a
 * decoded `%5F_Host-` posed as `__Host-`); values are percent-decoded when they decode.
 * Never throws: a pair without `=` or with an empty name is skipped.
 * @example parseCookieHeader('a=1; a=2; b=%20').get('a') // ['1', '2']
 */
export function parseCookieHeader(header: string): Map<string, string[]> {
  const cookies = new Map<string, string[]>();
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name === '') continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const decoded = decodeValue(value);
    const list = cookies.get(name);
    if (list === undefined) cookies.set(name, [decoded]);
    else list.push(decoded);
  }
  return cookies;
}

function decodeValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not an encoding we made: keep it as sent
  }
}

/** `Set-Cookie` attributes. Defaults: `httpOnly: true`, `sameSite: 'lax'`, `path: '/'`. */
export interface CookieAttributes {
  /** Seconds until the browser drops it (an integer; 0 deletes). */
  maxAge?: number;
  expires?: Date;
  domain?: string;
  /** Default `/`. */
  path?: string;
  /** Sent over HTTPS only. `setCookie(environ, …)` defaults it to the request's scheme. */
  secure?: boolean;
  /** Hidden from scripts. Default true. */
  httpOnly?: boolean;
  /** Default `'lax'`; `'none'` requires `secure`. */
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/** Browsers keep a cookie of at most 4096 bytes (name, value and attributes) and drop a longer one silently. */
export const MAX_SET_COOKIE_BYTES = 4096;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;
const PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/; // printable ASCII without ';'

/**
 * One `Set-Cookie` value, checked strictly: the name must be an RFC 6265 token, the domain a
 * host name, the path printable ASCII without `;` (CVE-2024-47764's attribute injection);
 * `__Secure-` needs `secure`, `__Host-` needs `secure`, `path: '/'` and no domain;
 * `sameSite: 'none'` needs `secure`; the whole header at most 4096 bytes. Each broken rule is a
 * TypeError that names it. The value is percent-encoded, so any (well-formed) string is safe.
 * @example headers.push(['Set-Cookie', serializeCookie('theme', 'dark', { maxAge: 86400 })]);
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  const options = { httpOnly: true, sameSite: 'lax' as const, path: '/', ...attributes };
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(
      `cookie name ${JSON.stringify(name)} is not a token (letters, digits, !#$%&'*+-.^_\`|~)`,
    );
  }
  if (typeof value !== 'string') throw new TypeError(`cookie ${name}: the value must be a string`);
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new TypeError(`cookie ${name}: the value is not well-formed Unicode (a lone surrogate)`);
  }
  if (options.domain !== undefined && (typeof options.domain !== 'string' || !DOMAIN.test(options.domain))) {
    throw new TypeError(`cookie ${name}: domain ${JSON.stringify(options.domain)} is not a host name`);
  }
  if (typeof options.path !== 'string' || !PATH.test(options.path)) {
    throw new TypeError(
      `cookie ${name}: path ${JSON.stringify(options.path)} must start with / and hold printable ASCII without ;`,
    );
  }
  if (options.maxAge !== undefined && !Number.isInteger(options.maxAge)) {
    throw new TypeError(`cookie ${name}: maxAge must be an integer number of seconds, got ${options.maxAge}`);
  }
  if (
    options.expires !== undefined &&
    !(options.expires instanceof Date && Number.isFinite(+options.expires))
  ) {
    throw new TypeError(`cookie ${name}: expires must be a valid Date`);
  }
  if (options.sameSite !== 'lax' && options.sameSite !== 'strict' && options.sameSite !== 'none') {
    throw new TypeError(`cookie ${name}: sameSite must be 'lax', 'strict' or 'none'`);
  }
  const lower = name.toLowerCase(); // browsers match the prefixes case-insensitively
  if (options.sameSite === 'none' && options.secure !== true) {
    throw new TypeError(`cookie ${name}: sameSite 'none' needs secure: true (browsers reject it otherwise)`);
  }
  if (lower.startsWith('__secure-') && options.secure !== true) {
    throw new TypeError(`cookie ${name}: a __Secure- cookie needs secure: true`);
  }
  if (lower.startsWith('__host-')) {
    if (options.secure !== true || options.path !== '/' || options.domain !== undefined) {
      throw new TypeError(`cookie ${name}: a __Host- cookie needs secure: true, path '/' and no domain`);
    }
  }
  const header = serialize(name, encoded, { ...options, encode: (already) => already });
  const bytes = Buffer.byteLength(header);
  if (bytes > MAX_SET_COOKIE_BYTES) {
    throw new TypeError(
      `cookie ${name}: Set-Cookie is ${bytes} bytes, over the ${MAX_SET_COOKIE_BYTES} browsers keep (they drop it silently)`,
    );
  }
  return header;
}
