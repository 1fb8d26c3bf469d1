import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyJson } from '../../packages/middleware/src/session/copy-json.js';
import type { Json } from '../../packages/middleware/src/session/store.js';

describe('copyJson (the memory store copies what it hands out and takes in)', () => {
  it('copies deeply: changing the copy leaves the original alone', () => {
    const original: Json = { cart: [1, { sku: 'a' }], user: '42', n: null };
    const copy = copyJson(original) as { cart: [number, { sku: string }] };
    copy.cart[1].sku = 'changed';
    copy.cart.push(3);
    expect(original).toEqual({ cart: [1, { sku: 'a' }], user: '42', n: null });
  });

  it('keeps an own __proto__ key as a key, never as the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"admin":true}}') as Json;
    const copy = copyJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { admin?: unknown }).admin).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"admin":true}}');
  });

  it('round-trips any JSON value exactly as structuredClone would (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = value as Json;
        expect(JSON.stringify(copyJson(json))).toBe(JSON.stringify(structuredClone(json)));
      }),
    );
  });
});
