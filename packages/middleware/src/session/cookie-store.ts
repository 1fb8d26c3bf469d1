import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SigningKeys } from '../cookie-signing.js';
import type { SealedStore, SessionRecord } from './store.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'tsgi session cookie v1 aes-256-gcm';

/**
 * The session sealed inside its cookie: no server state at all. AES-256-GCM with a key derived
 * (HKDF-SHA256) from each entry of the session's `keys`, the cookie name bound in as associated
 * data; the first key seals, any opens (and a cookie opened by an older key is sealed again).
 * The payload carries the creation time and the absolute expiry, checked on every request, so
 * a stolen cookie cannot be replayed for ever. A cookie that does not open is a new empty
 * session — there is no fallback decoder (CVE-2026-39324). A sealed cookie over 4096 bytes is
 * an error that says so (browsers drop it silently). JSON only.
 * Not for: sessions that must end at once everywhere (a copied cookie stays valid until its
 * expiry; no tombstone is possible without server state), or data over ~3 KB.
 * @example session({ keys: [process.env.SESSION_KEY!], store: cookieStore(), cookie: { maxAge: 3600 } })
 */
export function cookieStore(): SealedStore {
  const derived = new WeakMap<Uint8Array, Buffer>();
  const keyOf = (key: Uint8Array): Buffer => {
    let aes = derived.get(key);
    if (aes === undefined) {
      aes = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), INFO, 32));
      derived.set(key, aes);
    }
    return aes;
  };
  return {
    kind: 'sealed',
    seal(record, keys, cookieName) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyOf(keys[0] as Uint8Array), iv);
      cipher.setAAD(Buffer.from(cookieName));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    unseal(value, keys: SigningKeys, cookieName) {
      if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
      const bytes = Buffer.from(value, 'base64url');
      if (bytes.byteLength < IV_BYTES + TAG_BYTES + 2) return undefined;
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.byteLength - TAG_BYTES);
      const sealed = bytes.subarray(IV_BYTES, bytes.byteLength - TAG_BYTES);
      for (const [index, key] of keys.entries()) {
        let text: string;
        try {
          const decipher = createDecipheriv('aes-256-gcm', keyOf(key), iv);
          decipher.setAAD(Buffer.from(cookieName));
          decipher.setAuthTag(tag);
          text = Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
        } catch {
          continue; // not this key (or forged): try the next, never another format
        }
        const record = asRecord(text);
        return record === undefined ? undefined : { record, stale: index > 0 };
      }
      return undefined;
    },
  };
}

/** The record, when the opened text is one (it always is, unless a key was shared with other code). */
function asRecord(text: string): SessionRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Partial<SessionRecord>;
  if (typeof record.data !== 'object' || record.data === null || Array.isArray(record.data)) return undefined;
  if (typeof record.createdAt !== 'number' || typeof record.expiresAt !== 'number') return undefined;
  if (record.idleExpiresAt !== undefined && typeof record.idleExpiresAt !== 'number') return undefined;
  return record as SessionRecord;
}
