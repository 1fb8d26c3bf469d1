import { sign, signingKeys } from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifiedCache } from '../../packages/middleware/src/verified-cache.js';

const current = signingKeys(['k'.repeat(32)], 'keys');
const rotated = signingKeys(['n'.repeat(32), 'k'.repeat(32)], 'keys');

describe('verifiedCache', () => {
  it('answers a value it verified before as verify() did, stale flag included', () => {
    const check = verifiedCache('sid', rotated);
    const signed = sign('sid', 'abc', current); // the older key
    const first = check(signed);
    expect(first).toEqual({ status: 'valid', value: 'abc', keyIndex: 1, stale: true });
    expect(check(signed)).toBe(first);
  });

  it('never remembers a value that did not verify: a forgery is refused every time', () => {
    const check = verifiedCache('sid', current);
    const signed = sign('sid', 'abc', current);
    const forged = `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`;
    for (let i = 0; i < 3; i++) expect(check(forged).status).toBe('tampered');
    expect(check('abc').status).toBe('unsigned');
    expect(check(undefined).status).toBe('missing');
    // signed for another cookie name: refused by this one's cache even once it holds that value
    expect(verifiedCache('other', current)(signed).status).toBe('tampered');
  });

  it('does not let a value verified under other keys through', () => {
    const byOld = verifiedCache('sid', current);
    const signed = sign('sid', 'abc', current);
    expect(byOld(signed).status).toBe('valid');
    const byNew = verifiedCache('sid', signingKeys(['n'.repeat(32)], 'keys'));
    expect(byNew(signed).status).toBe('tampered');
  });

  it('stays bounded, and still verifies values it dropped', () => {
    const check = verifiedCache('sid', current, 2);
    const values = ['a', 'b', 'c'].map((value) => sign('sid', value, current));
    for (const value of values) expect(check(value).status).toBe('valid');
    expect(check(values[0]).status).toBe('valid'); // evicted, verified again in full
  });

  it('gives the same answer as verify() for any input', () => {
    const check = verifiedCache('sid', current, 4);
    const good = sign('sid', 'abc', current);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constant(good),
          fc.string().map((tail) => good + tail),
        ),
        (input) => {
          const cached = check(input);
          expect(cached.status === 'valid').toBe(input === good);
          expect(check(input)).toEqual(cached);
        },
      ),
    );
  });
});
