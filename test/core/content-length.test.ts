import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentLengthValue } from '../../packages/core/src/body/content-length.js';

// The listener and readBody read CONTENT_LENGTH with this instead of Number(): it must never
// give another answer, or a limit could be checked against a different length than the one sent.
describe('contentLengthValue', () => {
  it('is Number(value) for any string, digits or not', () => {
    const spelled = fc.oneof(
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.tuple(fc.nat({ max: 8 }), fc.nat()).map(([zeros, n]) => '0'.repeat(zeros) + n),
      fc.constantFrom('', ' 5', '5 ', '+5', '-5', '1e3', '0x10', '0b1', '5.5', 'Infinity', '١٢', '5\n'),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: fc.constantFrom('0', '9', '/', ':', ' ', '.', 'e', '-'), maxLength: 17 }),
    );
    fc.assert(
      fc.property(spelled, (value) => {
        expect(Object.is(contentLengthValue(value), Number(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is Number(value) for what is not a string (an environ without CONTENT_LENGTH)', () => {
    for (const value of [undefined, null, 12, true]) {
      expect(Object.is(contentLengthValue(value), Number(value))).toBe(true);
    }
  });
});
