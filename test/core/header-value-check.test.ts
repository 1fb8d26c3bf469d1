// hasCrLfNul guards every response header value against injection: whatever the string, it must
// say true exactly when a CR, LF or NUL is in it (it is written for speed, see http/syntax.ts).
import { hasCrLfNul } from '@tsgi/core/http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const REFERENCE = /[\r\n\0]/;

describe('hasCrLfNul', () => {
  it('is true exactly when the value holds CR, LF or NUL, for any string', () => {
    const char = fc.oneof(
      fc.constantFrom('\r', '\n', '\0', '\t', ' ', 'a', '\u0085', '\u2028', '\u000b', '\u000c', '\uffff'),
      fc.string({ unit: 'binary', maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        const value = chars.join('');
        expect(hasCrLfNul(value)).toBe(REFERENCE.test(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds one at either end of a long value, and none in a clean one', () => {
    const long = 'x'.repeat(4096);
    expect(hasCrLfNul(`\n${long}`)).toBe(true);
    expect(hasCrLfNul(`${long}\r`)).toBe(true);
    expect(hasCrLfNul(`${long}\0${long}`)).toBe(true);
    expect(hasCrLfNul(`${long}\u00e9\u2028`)).toBe(false);
    expect(hasCrLfNul('')).toBe(false);
  });
});
