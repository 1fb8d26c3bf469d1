import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Environ, Forbidden, type Middleware, Request } from '@tsgi/core';
import { getSession } from './session/session.js';

/** Options of {@link csrf}. */
export interface CsrfOptions {
  /** The form field that carries the token. Default `_csrf`. */
  field?: string;
  /** The request header that carries the token (for fetch/XHR). Default `X-CSRF-Token`. */
  header?: string;
  /** The most bytes of a form body read to find the field (413 above). Default 1 MiB; uploads: raise it, or send the header. */
  bodyLimit?: number;
}

const SECRET_KEY = 'csrf.secret';
const SECRET_BYTES = 32;
// RFC 9110's safe methods; every other one is checked (a custom method a form post became
// through methodOverride() must not slip through)
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function secretOf(environ: Environ, create: boolean): Buffer | undefined {
  const session = getSession(environ);
  const stored = session.get<string>(SECRET_KEY);
  if (typeof stored === 'string') {
    const bytes = Buffer.from(stored, 'base64url');
    if (bytes.byteLength === SECRET_BYTES) return bytes;
  }
  if (!create) return undefined;
  const secret = randomBytes(SECRET_BYTES);
  session.set(SECRET_KEY, secret.toString('base64url'));
  return secret;
}

/**
 * A CSRF token for a form or a `<meta>`, masked afresh on every call: the secret behind it is
 * the session's, but no two responses carry the same bytes, so compression cannot leak it
 * (BREACH). Put it in a hidden `_csrf` field, or send it as `X-CSRF-Token`.
 * Needs `session()` around the app (the first call stores the secret in the session).
 * @example html`<input type="hidden" name="_csrf" value="${csrfToken(environ)}">`
 */
export function csrfToken(environ: Environ): string {
  const secret = secretOf(environ, true) as Buffer;
  const mask = randomBytes(SECRET_BYTES);
  const masked = Buffer.alloc(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i++) masked[i] = (mask[i] as number) ^ (secret[i] as number);
  return Buffer.concat([mask, masked]).toString('base64url');
}

function matches(token: string, secret: Buffer): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return false;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.byteLength !== SECRET_BYTES * 2) return false;
  const unmasked = Buffer.alloc(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i++)
    unmasked[i] = (bytes[i] as number) ^ (bytes[i + SECRET_BYTES] as number);
  return timingSafeEqual(unmasked, secret);
}

/**
 * CSRF protection with the synchronizer-token pattern of the OWASP CSRF Prevention Cheat
 * Sheet: a per-session secret, a token masked per response ({@link csrfToken}), checked on
 * every method but the safe ones (POST, PUT, PATCH, DELETE and any other) from the `_csrf`
 * form field or the `X-CSRF-Token` header; a missing or wrong token is a 403 that says which.
 * As that sheet advises, safe methods (GET, HEAD, OPTIONS, TRACE) are not checked — so they
 * must not change state — and Fetch Metadata is used
 * as defence in depth, not instead of the token: `Sec-Fetch-Site: cross-site` on an unsafe
 * method is refused outright, and `same-origin` still needs the token (a same-origin page
 * could be attacker content on a shared origin, and old browsers send no such header).
 * Reading the field reads the body with `Request.of(environ).form()`, which caches it: the
 * app reads the same form after. Needs `session()` outside it.
 * Not for: APIs authenticated by a bearer token rather than a cookie (nothing to forge).
 * @example const app = compose(session({ keys }), csrf())(router);
 */
export function csrf(options: CsrfOptions = {}): Middleware {
  const field = options.field ?? '_csrf';
  const header = options.header ?? 'X-CSRF-Token';
  if (typeof field !== 'string' || field === '')
    throw new TypeError('csrf: field must be a non-empty string');
  if (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header)) {
    throw new TypeError(`csrf: header must be a header name, got ${JSON.stringify(header)}`);
  }
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) {
    throw new TypeError(`csrf: bodyLimit must be a byte count, got ${bodyLimit}`);
  }
  const environKey = `HTTP_${header.toUpperCase().replaceAll('-', '_')}`;
  return (app) => async (environ, startResponse) => {
    if (SAFE.has(environ.REQUEST_METHOD)) return app(environ, startResponse);
    const refuse = (reason: string) => new Forbidden(`CSRF check failed: ${reason}`)(environ, startResponse);
    if (environ.HTTP_SEC_FETCH_SITE === 'cross-site') {
      return refuse('a cross-site request (Sec-Fetch-Site: cross-site) may not change state here');
    }
    let token = environ[environKey] as string | undefined;
    if (token === undefined) {
      const type = environ.CONTENT_TYPE ?? '';
      if (/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
        const value = (await Request.of(environ).form({ limit: bodyLimit })).get(field);
        if (typeof value === 'string') token = value;
      }
    }
    if (token === undefined || token === '') {
      return refuse(`no token: send it in the ${field} form field or the ${header} header`);
    }
    const secret = secretOf(environ, false);
    if (secret === undefined)
      return refuse('the session holds no CSRF secret (it expired, or is new): reload the form');
    if (!matches(token, secret)) return refuse('the token does not match this session: reload the form');
    return app(environ, startResponse);
  };
}
