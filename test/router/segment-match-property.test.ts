import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pattern } from '../../packages/router/src/pattern.js';

// The walk of segment-match.ts must find exactly what the pattern's regexp finds: the same
// paths, the same parameter values, decoded the same. Patterns of whole segments only (the
// ones it handles), with literals and values that stress it: empty segments, `%2F` and `%25`
// (segment form), dots, a literal that is also a value.
const literal = fc.constantFrom('a', 'b', 'a.b', '', 'x%y', 'json');
const piece = fc.oneof(
  literal.map((v) => ({ lit: v })),
  fc.constant({ lit: undefined }),
);
const patterns = fc
  .tuple(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([pieces, slash]) => {
    let n = 0;
    const body = pieces.map((p) => (p.lit === undefined ? `/:p${n++}` : `/${p.lit}`)).join('');
    return body + (slash ? '/' : '');
  });
const segment = fc.oneof(
  fc.constantFrom('a', 'b', 'a.b', '', 'x%25y', 'a%2Fb', '%25', '%2F', 'json', 'x'),
  fc.stringMatching(/^[ab.%/]{0,4}$/),
);
const paths = fc.array(segment, { minLength: 0, maxLength: 6 }).map((parts) => `/${parts.join('/')}`);

/** What the regexp finds: the decoded params, or null. */
function byRegexp(pattern: Pattern, path: string): unknown {
  const match = pattern.regexp.exec(path);
  return match === null ? null : pattern.params(match);
}

describe('whole-segment patterns matched without a regexp', () => {
  it('match the same paths, with the same params, as the regexp', () => {
    fc.assert(
      fc.property(patterns, paths, (source, path) => {
        const pattern = new Pattern(source, 'route');
        expect(pattern.matchRoute(path, false)).toEqual(byRegexp(pattern, path));
        // `plain` (no `%` in the path) skips decoding only: the same result then
        if (!path.includes('%')) expect(pattern.matchRoute(path, true)).toEqual(byRegexp(pattern, path));
      }),
      { numRuns: 3000 },
    );
  });

  it('match the paths built from the pattern itself', () => {
    fc.assert(
      fc.property(patterns, fc.array(segment, { minLength: 5, maxLength: 5 }), (source, values) => {
        let n = 0;
        // literals in segment form (`%` is `%25`), each value one non-empty segment
        const path = source
          .replaceAll('%', '%25')
          .replace(/:p\d+/g, () => values[n++]!.replaceAll('/', '%2F') || 'v');
        const pattern = new Pattern(source, 'route');
        expect(pattern.matchRoute(path, false)).toEqual(byRegexp(pattern, path));
        expect(pattern.matchRoute(path, false)).not.toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
