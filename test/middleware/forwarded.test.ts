import { ForwardedSyntaxError, formatForwarded, forwardedAddress, parseForwarded } from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseForwarded (RFC 7239)', () => {
  it('reads the RFC’s examples', () => {
    expect(parseForwarded('for="_gazonk"')).toEqual([{ for: '_gazonk' }]);
    expect(parseForwarded('For="[2001:db8:cafe::17]:4711"')).toEqual([{ for: '[2001:db8:cafe::17]:4711' }]);
    expect(parseForwarded('for=192.0.2.60;proto=http;by=203.0.113.43')).toEqual([
      { for: '192.0.2.60', proto: 'http', by: '203.0.113.43' },
    ]);
    expect(parseForwarded('for=192.0.2.43, for=198.51.100.17')).toEqual([
      { for: '192.0.2.43' },
      { for: '198.51.100.17' },
    ]);
    expect(parseForwarded('for=a ,, for=b')).toEqual([{ for: 'a' }, { for: 'b' }]);
    expect(parseForwarded('for="a\\"b"')).toEqual([{ for: 'a"b' }]);
  });

  it('refuses malformed input with ForwardedSyntaxError', () => {
    for (const bad of [
      'for',
      'for=',
      'for="unterminated',
      'for=a;for=b',
      'for=a b',
      '=x',
      'for=a\r\nSet-Cookie: x',
      'for="a\u0001"',
      'for=[::1]',
      'for=a;;proto=,',
    ]) {
      expect(() => parseForwarded(bad), bad).toThrow(ForwardedSyntaxError);
    }
  });

  it('never throws anything but ForwardedSyntaxError (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0, max: 0x17f }).map((code) => String.fromCharCode(code)),
          maxLength: 80,
        }),
        (input) => {
          try {
            parseForwarded(input);
          } catch (error) {
            if (!(error instanceof ForwardedSyntaxError)) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
    // inputs made of the grammar's own characters reach deeper
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z=;, "\\\t[\]:.0-9_]{0,40}$/), (input) => {
        try {
          parseForwarded(input);
        } catch (error) {
          if (!(error instanceof ForwardedSyntaxError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });

  const name = fc.stringMatching(/^[a-z][a-z0-9!#$%&'*+\-.^_`|~]{0,8}$/);
  const value = fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 20,
  });
  const element = fc.dictionary(name, value, { minKeys: 1, maxKeys: 4 });

  it('round-trips: parse(format(elements)) gives the elements back (property)', () => {
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 4 }), (elements) => {
        const plain = elements.map((e) => ({ ...e }));
        const parsed = parseForwarded(formatForwarded(plain)).map((e) => ({ ...e }));
        expect(parsed).toEqual(plain);
      }),
      { numRuns: 1000 },
    );
  });

  it('formats only what can be sent', () => {
    expect(formatForwarded([{ for: '[2001:db8::1]:4711', proto: 'https' }])).toBe(
      'for="[2001:db8::1]:4711";proto=https',
    );
    expect(() => formatForwarded([{ for: 'a\nb' }])).toThrow(TypeError);
    expect(() => formatForwarded([{ 'bad name': 'x' }])).toThrow(TypeError);
  });

  it('reads addresses from nodes, and nothing from unknown or obfuscated ones', () => {
    expect(forwardedAddress('192.0.2.60')).toBe('192.0.2.60');
    expect(forwardedAddress('192.0.2.60:8080')).toBe('192.0.2.60');
    expect(forwardedAddress('[2001:db8::1]:4711')).toBe('2001:db8::1');
    expect(forwardedAddress('unknown')).toBeUndefined();
    expect(forwardedAddress('_hidden')).toBeUndefined();
  });
});
