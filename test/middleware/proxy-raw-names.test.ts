import { isHopByHop } from '@tsgi/core/http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawName } from '../../packages/middleware/src/proxy/raw-names.js';

// The proxy reads the upstream's header names through a cache keyed by length and first byte:
// it must give exactly what decoding the bytes would, whatever came before.
describe('proxy: rawName', () => {
  it('tells apart names of the same length and first byte', () => {
    expect(rawName(Buffer.from('X-Aa')).name).toBe('X-Aa');
    expect(rawName(Buffer.from('X-Ab')).name).toBe('X-Ab');
    expect(rawName(Buffer.from('x-aa')).name).toBe('x-aa');
    expect(rawName(Buffer.from('X-Aa')).name).toBe('X-Aa');
  });

  it('lower-cases and classifies hop-by-hop names', () => {
    expect(rawName(Buffer.from('Keep-Alive'))).toEqual({
      name: 'Keep-Alive',
      lower: 'keep-alive',
      hopByHop: true,
    });
    expect(rawName(Buffer.from('Proxy-Foo'))).toMatchObject({ lower: 'proxy-foo', hopByHop: true });
    expect(rawName('Content-Type')).toEqual({ name: 'Content-Type', lower: 'content-type', hopByHop: false });
  });

  it('decodes any bytes as latin1, cached or not, past the cache bound', () => {
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 40 }), (names) => {
        for (const raw of [...names, ...names]) {
          const name = Buffer.from(raw).toString('latin1');
          expect(rawName(Buffer.from(raw))).toEqual({
            name,
            lower: name.toLowerCase(),
            hopByHop: isHopByHop(name),
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
