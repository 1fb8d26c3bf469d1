import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Storage } from './storage.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: object,
) => Promise<Buffer>;

// OWASP's scrypt floor (N=2^17, r=8, p=1) costs 128 MiB per hash; N=2^14 keeps a small demo
// responsive on a 2-core machine while still far from a fast hash. Raise N for real use.
const PARAMS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** A user as the site keeps it: the name and a salted scrypt hash, never the password. */
export interface Account {
  readonly name: string;
  readonly hash: string;
}

/** `scrypt$N$r$p$salt$key`, all base64url: the parameters travel with the hash, so they can change. */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// A hash to check against when the name is unknown, so that a wrong name costs as long as a
// wrong password: the timing does not tell which names exist.
const decoy = hashPassword(randomBytes(16).toString('hex'));

/** Sign-up and log-in, over a {@link Storage}. */
export class Accounts {
  constructor(private readonly storage: Storage) {}

  /** Creates the account; false when the name is taken. */
  async create(name: string, password: string): Promise<boolean> {
    return this.storage.addUser(name.toLowerCase(), await hashPassword(password));
  }

  /** The account's name when the password matches, else undefined (the same time either way). */
  async verify(name: string, password: string): Promise<string | undefined> {
    const stored = await this.storage.userHash(name.toLowerCase());
    const ok = await verifyPassword(password, stored ?? (await decoy));
    return ok && stored !== undefined ? name.toLowerCase() : undefined;
  }
}
