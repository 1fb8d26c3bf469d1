import { andThen, capture, type Environ, type Middleware, send } from '@tsgi/core';
import { type CookieAttributes, parseCookieHeader, serializeCookie } from './cookie-header.js';
import { type SigningKeys, sign, signingKeys, type Verified, verify } from './cookie-signing.js';

export {
  type CookieAttributes,
  MAX_SET_COOKIE_BYTES,
  parseCookieHeader,
  serializeCookie,
} from './cookie-header.js';
export {
  MIN_KEY_BYTES,
  type SigningKeys,
  sign,
  signingKeys,
  type Verified,
  verify,
} from './cookie-signing.js';

/** The request's cookies, parsed once (see {@link getCookies}). */
export interface CookieJar {
  /** The first value sent under `name` (the most specific path comes first), or undefined. */
  get(name: string): string | undefined;
  /** Every value sent under `name`, in order: a name may repeat (other paths or domains). */
  getAll(name: string): readonly string[];
  /** Whether a cookie of this name was sent. */
  has(name: string): boolean;
  /** The names sent, in order. */
  names(): readonly string[];
  /**
   * The cookie verified with the keys of {@link signedCookies}: a tagged result, so only a
   * `valid` one has a value. `stale` says an older key matched: set it again to re-sign.
   */
  getSigned(name: string): Verified;
}

const JAR = 'cookies.jar';
const KEYS = 'cookies.keys';
const OUTGOING = 'cookies.outgoing';

interface Outgoing {
  headers: string[];
  sent: boolean;
}

/**
 * The request's cookies: the `Cookie` header is parsed once per request (and again only if a
 * middleware changed it). Names are never percent-decoded; repeated names are all kept.
 * @example
 * const cookies = getCookies(environ);
 * const theme = cookies.get('theme') ?? 'light';
 * const uid = cookies.getSigned('uid'); if (uid.status === 'valid') console.log(uid.value);
 */
export function getCookies(environ: Environ): CookieJar {
  const header = environ.HTTP_COOKIE ?? '';
  const cached = environ[JAR] as { header: string; jar: CookieJar } | undefined;
  if (cached !== undefined && cached.header === header) return cached.jar;
  const parsed = parseCookieHeader(header);
  const jar: CookieJar = {
    get: (name) => parsed.get(name)?.[0],
    getAll: (name) => parsed.get(name) ?? [],
    has: (name) => parsed.has(name),
    names: () => [...parsed.keys()],
    getSigned: (name) => {
      const keys = environ[KEYS] as SigningKeys | undefined;
      if (keys === undefined) {
        throw new TypeError('getSigned() needs signedCookies({ keys }) around the app: it holds the keys');
      }
      return verify(name, parsed.get(name)?.[0], keys);
    },
  };
  environ[JAR] = { header, jar };
  return jar;
}

/** Options of {@link setCookie}: the attributes, and `signed` to sign the value. */
export interface SetCookieOptions extends CookieAttributes {
  /** Sign the value with the current key of {@link signedCookies}. Default false. */
  signed?: boolean;
}

/**
 * Queues a `Set-Cookie` for this response (sent by {@link signedCookies}, which must wrap the
 * app). Checked strictly at once (see {@link serializeCookie}): a bad name, value, domain or
 * path, a broken `__Host-`/`__Secure-` rule or a header over 4096 bytes is a TypeError.
 * Defaults: HttpOnly, SameSite=Lax, Path=/, and Secure when the request came over HTTPS.
 * Throws once the response head went out (inside a streaming body): it could not be sent.
 * @example setCookie(environ, 'uid', String(user.id), { signed: true, maxAge: 3600 });
 */
export function setCookie(
  environ: Environ,
  name: string,
  value: string,
  options: SetCookieOptions = {},
): void {
  const outgoing = environ[OUTGOING] as Outgoing | undefined;
  if (outgoing === undefined) {
    throw new TypeError('setCookie() needs signedCookies({ keys }) around the app: it sends the cookies');
  }
  if (outgoing.sent) {
    throw new Error(
      `setCookie(${JSON.stringify(name)}) after the response head went out: it can no longer be sent`,
    );
  }
  const { signed = false, ...attributes } = options;
  const text = signed ? sign(name, value, environ[KEYS] as SigningKeys) : value;
  outgoing.headers.push(
    serializeCookie(name, text, { secure: environ['tsgi.url_scheme'] === 'https', ...attributes }),
  );
}

/**
 * Tells the browser to drop a cookie (`Max-Age=0`). Give the `path` and `domain` it was set with.
 * @example deleteCookie(environ, 'uid');
 */
export function deleteCookie(environ: Environ, name: string, options: CookieAttributes = {}): void {
  setCookie(environ, name, '', { ...options, maxAge: 0, expires: new Date(0) });
}

/** Options of {@link signedCookies}. */
export interface SignedCookiesOptions {
  /** `[current, ...older]`, each at least 32 bytes: the first signs, any verifies (key rotation). */
  keys: ReadonlyArray<string | Uint8Array>;
}

/**
 * Holds the signing keys for {@link CookieJar.getSigned} and sends the cookies queued with
 * {@link setCookie}, on error pages too. Keys are checked at start-up (TypeError when shorter
 * than 32 bytes, or not an array). Not needed for sessions: `session()` signs its own cookie.
 * @example
 * const app = signedCookies({ keys: [process.env.KEY_2!, process.env.KEY_1!] })((environ, startResponse) => {
 *   const seen = getCookies(environ).getSigned('seen');
 *   if (seen.status !== 'valid' || seen.stale) setCookie(environ, 'seen', 'yes', { signed: true });
 *   startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *   return [seen.status];
 * });
 */
export function signedCookies(options: SignedCookiesOptions): Middleware {
  const keys = signingKeys(options?.keys, 'signedCookies: keys');
  return (app) => (environ, startResponse) => {
    const outgoing: Outgoing = { headers: [], sent: false };
    environ[KEYS] = keys;
    environ[OUTGOING] = outgoing;
    return andThen(capture(app, environ), (response) => {
      outgoing.sent = true;
      for (const header of outgoing.headers) response.appendHeader('Set-Cookie', header);
      return send(response, startResponse);
    });
  };
}
