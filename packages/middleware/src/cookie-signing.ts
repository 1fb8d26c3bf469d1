import { createHmac, timingSafeEqual } from 'node:crypto';

/** A key list as {@link signingKeys} checked it: the first signs, every one verifies. */
export type SigningKeys = readonly Uint8Array[];

/** The shortest key accepted: HMAC-SHA256's own block of strength, 256 bits. */
export const MIN_KEY_BYTES = 32;

/**
 * Checks a `keys` option (`[current, ...older]`) and returns the keys as bytes. Refused with a
 * TypeError naming `option`: not an array (a bare string would become one-character keys, as
 * in pallets/flask#6089), empty, or a key shorter than 32 bytes.
 * @example const keys = signingKeys([process.env.COOKIE_KEY!], 'signedCookies: keys');
 */
export function signingKeys(keys: unknown, option: string): SigningKeys {
  if (!Array.isArray(keys)) {
    throw new TypeError(`${option} must be an array of keys ([current, ...older]), got ${typeof keys}`);
  }
  if (keys.length === 0) throw new TypeError(`${option} must hold at least one key`);
  return keys.map((key: unknown, index) => {
    const bytes =
      typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? key : undefined;
    if (bytes === undefined) throw new TypeError(`${option}[${index}] must be a string or a Uint8Array`);
    if (bytes.byteLength < MIN_KEY_BYTES) {
      throw new TypeError(
        `${option}[${index}] is ${bytes.byteLength} bytes; keys must be at least ${MIN_KEY_BYTES} bytes (e.g. openssl rand -base64 32)`,
      );
    }
    return bytes;
  });
}

/**
 * What verifying a signed value found. Tagged, so that an unsigned or tampered value can never
 * pass for a signed one (cookie-parser#70 returned unsigned input unchanged): only `valid`
 * carries a value.
 */
export type Verified =
  | {
      readonly status: 'valid';
      readonly value: string;
      /** Which key matched: 0 is the current one. */
      readonly keyIndex: number;
      /** True when an older key matched: sign the value again with the current key. */
      readonly stale: boolean;
    }
  | { readonly status: 'missing' }
  | { readonly status: 'unsigned' }
  | { readonly status: 'tampered' };

const MAC_BYTES = 32;
const MAC_CHARS = 43; // base64url of 32 bytes, unpadded

function mac(key: Uint8Array, name: string, value: string): Buffer {
  // the name is signed too, so a value signed for one cookie is refused under another name
  return createHmac('sha256', key).update(`${name}=${value}`).digest();
}

/**
 * `value.MAC`: the value with an HMAC-SHA256 (of the cookie's name and value) made with the
 * first key, in base64url.
 * @example setCookie(environ, 'uid', sign('uid', '42', keys));
 */
export function sign(name: string, value: string, keys: SigningKeys): string {
  return `${value}.${mac(keys[0] as Uint8Array, name, value).toString('base64url')}`;
}

/**
 * Verifies a value made by {@link sign} with each key in turn. The MAC bytes are compared in
 * constant time after a length check (never a prefix compare: tinyhttp's GHSA-63x4-8g8c-vhww).
 * @example const result = verify('uid', cookies.get('uid'), keys); if (result.status === 'valid') use(result.value);
 */
export function verify(name: string, signed: string | undefined, keys: SigningKeys): Verified {
  if (signed === undefined) return { status: 'missing' };
  const dot = signed.lastIndexOf('.');
  if (dot < 0) return { status: 'unsigned' };
  const encoded = signed.slice(dot + 1);
  if (encoded.length !== MAC_CHARS || !/^[A-Za-z0-9_-]+$/.test(encoded)) return { status: 'tampered' };
  const given = Buffer.from(encoded, 'base64url');
  // a canonical encoding only: one signature, one spelling
  if (given.byteLength !== MAC_BYTES || given.toString('base64url') !== encoded)
    return { status: 'tampered' };
  const value = signed.slice(0, dot);
  for (const [keyIndex, key] of keys.entries()) {
    if (timingSafeEqual(given, mac(key, name, value))) {
      return { status: 'valid', value, keyIndex, stale: keyIndex > 0 };
    }
  }
  return { status: 'tampered' };
}
