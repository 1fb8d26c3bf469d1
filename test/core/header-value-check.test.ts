// hasCrLfNul guards every response header value against injection: whatever the string, it must
// say true exactly when a CR, LF or NUL is in it (it is written for speed, see http/syntax.ts).
import { type ResponseSink, runApp } from '@tsgi/core';
import { hasCrLfNul } from '@tsgi/core/http';
import { mockEnviron } from '@tsgi/core/testing';
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

/** The status runApp answers with when the app sends `value` in a header (500: refused). */
function statusFor(value: string): number {
  let status = 0;
  const sink: ResponseSink = {
    sendHead: (code) => {
      status = code;
    },
    write: () => true,
    drained: () => Promise.resolve(),
    end: () => {},
    abort: () => {},
  };
  const environ = mockEnviron({ method: 'GET', url: '/', errors: { write: () => {} } });
  runApp(
    (_environ, startResponse) => {
      startResponse('200 OK', [['X-Value', value]]);
      return ['ok'];
    },
    environ,
    sink,
  );
  return status;
}

// startResponse remembers the values it found clean (response-checks.ts): a value must be
// refused however often it, or a clean value just like it, was sent before.
describe('the header check of startResponse', () => {
  it('refuses a value exactly when it holds CR, LF or NUL, sent once or again and again', () => {
    const char = fc.constantFrom('\r', '\n', '\0', 'a', ' ', '\t', 'é');
    const value = fc.oneof(
      fc.array(char, { maxLength: 12 }).map((chars) => chars.join('')),
      fc.tuple(fc.integer({ min: 120, max: 136 }), char).map(([length, c]) => 'x'.repeat(length) + c),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
        for (const each of [...values, ...values]) {
          expect(statusFor(each)).toBe(REFERENCE.test(each) ? 500 : 200);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a bad value after more clean ones than it keeps', () => {
    for (let i = 0; i < 600; i++) expect(statusFor(`clean ${i}`)).toBe(200);
    expect(statusFor('bad\r\nX-Injected: 1')).toBe(500);
    expect(statusFor('clean 3')).toBe(200);
  });
});
