import { router } from '@tsgi/router';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { echo, seen } from './helpers.js';

// Patterns drawn from the shapes routers use: literals, `:params`, `:param.json`, optional
// groups, a last `*wildcard`. Each is kept as a structure too, to draw paths it matches.
type Part =
  | { t: 'lit'; v: string }
  | { t: 'param' }
  | { t: 'mixed' }
  | { t: 'opt'; inner: Part }
  | { t: 'wild' };

const simple: fc.Arbitrary<Part> = fc.oneof(
  fc.constantFrom('a', 'b').map((v): Part => ({ t: 'lit', v })),
  fc.constant<Part>({ t: 'param' }),
  fc.constant<Part>({ t: 'mixed' }),
);
const part = fc.oneof(
  { weight: 4, arbitrary: simple },
  { weight: 1, arbitrary: simple.map((inner): Part => ({ t: 'opt', inner })) },
);
// a pattern starts with `/`, so not with a group
const pattern = fc
  .tuple(simple, fc.array(part, { maxLength: 3 }), fc.boolean())
  .map(([first, parts, wild]) => (wild ? [first, ...parts, { t: 'wild' } as Part] : [first, ...parts]));

function source(parts: readonly Part[], tag: string): string {
  let n = 0;
  const write = (p: Part): string => {
    switch (p.t) {
      case 'lit':
        return `/${p.v}`;
      case 'param':
        return `/:${tag}${n++}`;
      case 'mixed':
        return `/:${tag}${n++}.json`;
      case 'opt':
        return `{${write(p.inner)}}`;
      case 'wild':
        return `/*${tag}${n++}`;
    }
  };
  return parts.map(write).join('');
}

// Values that stress the shapes: dots (against `.json`), the literals themselves, `json`.
const value = fc.oneof(
  fc.constantFrom('a', 'b', 'json', 'x.json', '.', 'a.b'),
  fc.stringMatching(/^[a-z.]{1,4}$/),
);

/** A path that `parts` matches, drawn at random (groups in or out). */
function pathOf(parts: readonly Part[]): fc.Arbitrary<string> {
  const one = (p: Part): fc.Arbitrary<string> => {
    switch (p.t) {
      case 'lit':
        return fc.constant(`/${p.v}`);
      case 'param':
        return value.map((v) => `/${v}`);
      case 'mixed':
        return value.map((v) => `/${v}.json`);
      case 'opt':
        return fc.oneof(fc.constant(''), one(p.inner));
      case 'wild':
        return fc.array(value, { minLength: 1, maxLength: 3 }).map((vs) => `/${vs.join('/')}`);
    }
  };
  return fc.tuple(...parts.map(one)).map((pieces) => pieces.join('') || '/');
}

describe('refusing unreachable routes (property)', () => {
  it('a refused route is one whose every path the earlier route answers', async () => {
    const drawn = fc
      .tuple(pattern, pattern)
      .chain(([a, b]) =>
        fc.tuple(fc.constant(a), fc.constant(b), fc.array(pathOf(b), { minLength: 1, maxLength: 4 })),
      );
    await fc.assert(
      fc.asyncProperty(drawn, async ([a, b, paths]) => {
        const r = router().get(source(a, 'a'), echo('A'));
        let refused = false;
        try {
          r.get(source(b, 'b'), echo('B'));
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError); // and nothing else
          refused = /would never run/.test((error as Error).message);
          if (!refused) expect((error as Error).message).toMatch(/routed twice/);
        }
        if (!refused) return;
        for (const path of paths) {
          const alone = router().get(source(b, 'b'), echo('B'));
          const matched = await seen(alone, 'GET', path).then(
            () => true,
            () => false,
          );
          if (matched) expect((await seen(r, 'GET', path)).name).toBe('A');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same pattern with other parameter names is always refused', () => {
    fc.assert(
      fc.property(pattern, (parts) => {
        const a = source(parts, 'a');
        const b = source(parts, 'b');
        const r = router().get(a, echo('A'));
        if (a === b) return; // no parameters: the same route twice, refused as such
        expect(() => r.get(b, echo('B'))).toThrow(/would never run/);
      }),
    );
  });

  it('registering any two patterns throws nothing but a TypeError', () => {
    const unit = fc.constantFrom('/', ':', '*', '{', '}', '\\', '"', '.', 'a', 'b', '-', '(', '?', '%');
    const anyPattern = fc.string({ unit, maxLength: 12 }).map((text) => `/${text}`);
    fc.assert(
      fc.property(anyPattern, anyPattern, fc.constantFrom('get', 'all', 'mount'), (a, b, how) => {
        const r = router();
        for (const source of [a, b]) {
          try {
            if (how === 'mount') r.mount(source, echo('m'));
            else r[how](source, echo('r'));
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
