import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pattern } from '../../packages/router/src/pattern.js';
import { Route } from '../../packages/router/src/route.js';
import { type IndexNode, RouteIndex } from '../../packages/router/src/route-index.js';

// The trie compares a node's few children in place (the segment's text at the offset, then a `/`
// or the end after it) and looks many up in a Map by a slice of the path's segment: either way
// the walk must stop exactly where a plain split of the path at `/` stops.

/** Segments that stress the in-place compare: prefixes of each other, empty, dots, `%2F`. */
const word = fc.constantFrom('a', 'b', 'ab', 'ba', 'abc', '', 'user', 'users', 'x.y', 'a%2Fb');
const sourceOf = (segments: readonly string[]) => `${segments.map((s) => `/${s}`).join('')}/:id`;

/** The segments of the deepest node by a split of the path: the longest run some entry starts with. */
function bySplit(prefixes: readonly (readonly string[])[], path: string): string[] {
  const segments = path.slice(1).split('/');
  let best: string[] = [];
  for (let n = 1; n <= segments.length; n++) {
    const head = segments.slice(0, n);
    if (!prefixes.some((p) => p.length >= n && head.every((s, i) => p[i] === s))) break;
    best = head;
  }
  return best;
}

/** The segments leading from the root to `node`. */
function segmentsOf(node: IndexNode): string[] {
  const out: string[] = [];
  for (let at = node; at.parent !== undefined; at = at.parent) out.unshift(at.segment);
  return out;
}

describe('the route index walk', () => {
  it('stops at the node a split walk stops at, with few children or many', () => {
    const prefixes = fc.array(fc.array(word, { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 12,
    });
    const siblings = fc.integer({ min: 0, max: 12 }); // enough to pass from the list to the Map
    const segment = fc.oneof(word, fc.stringMatching(/^[ab/]{0,3}$/));
    const path = fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(prefixes, siblings, path, (given, more, target) => {
        const all = [...given, ...Array.from({ length: more }, (_, i) => [`s${i}`])];
        const index = new RouteIndex();
        const leading = all.map((segments) => {
          const pattern = new Pattern(sourceOf(segments), 'route');
          index.add(new Route(pattern));
          return pattern.segments;
        });
        expect(segmentsOf(index.deepest(target))).toEqual(bySplit(leading, target));
      }),
      { numRuns: 3000 },
    );
  });

  it('walks the same with a node of 8 children (compared in place) and of 9 (a Map)', () => {
    for (const count of [8, 9]) {
      const index = new RouteIndex();
      const names = ['user', 'users', 'use', 'u', '', 'userx', 'a', 'b', 'c'].slice(0, count);
      for (const name of names) index.add(new Route(new Pattern(sourceOf([name, 'x']), 'route')));
      expect(segmentsOf(index.deepest('/user/x/1'))).toEqual(['user', 'x']);
      expect(segmentsOf(index.deepest('/users/x'))).toEqual(['users', 'x']);
      expect(segmentsOf(index.deepest('/use'))).toEqual(['use']);
      expect(segmentsOf(index.deepest('/userz/x'))).toEqual([]);
      expect(segmentsOf(index.deepest('//x/2'))).toEqual(['', 'x']);
      expect(segmentsOf(index.deepest('/'))).toEqual(['']);
    }
  });

  it('matches a route from where the walk left off exactly as the whole pattern does', () => {
    // literal segments, whole-segment params, and shapes the regexp decides (`-:n`, a group)
    const part = fc.constantFrom('a', 'ab', 'user', '', ':id', ':x', ':id-:n', '{:opt}', 'x.y');
    const source = fc
      .array(part, { minLength: 1, maxLength: 4 })
      .map((parts) => `/${parts.map((p, i) => p.replace(/^:(\w+)/, `:$1${i}`)).join('/')}`);
    const segment = fc.oneof(word, fc.constantFrom('42', 'a-1', 'a%2Fb'));
    const lead = fc.constantFrom('/', '', 'x/'); // a path need not start with `/`: then nothing below the root
    const randomPath = fc
      .tuple(lead, fc.array(segment, { minLength: 0, maxLength: 4 }))
      .map(([head, parts]) => `${head}${parts.join('/')}`);
    // most paths a router sees match some route: a source with its parameters filled in (or left out)
    const filler = fc.constantFrom('42', 'a', 'a-1', '', 'x/y');
    const instanceOf = (sources: readonly string[]) =>
      fc
        .tuple(fc.constantFrom(...sources), filler, fc.boolean())
        .map(([text, value, withGroup]) =>
          text.replace(/\{:\w+\}/g, withGroup ? value : '').replace(/:\w+/g, value),
        );
    const cases = fc
      .array(source, { minLength: 1, maxLength: 8 })
      .chain((sources) => fc.tuple(fc.constant(sources), fc.oneof(randomPath, instanceOf(sources))));
    fc.assert(
      fc.property(cases, fc.boolean(), ([sources, target], plain) => {
        const index = new RouteIndex();
        for (const text of sources) {
          let pattern: Pattern;
          try {
            pattern = new Pattern(text, 'route');
          } catch {
            continue; // a malformed mix (a parameter twice): not a route
          }
          index.add(new Route(pattern));
        }
        for (let node: IndexNode | undefined = index.deepest(target); node; node = node.parent) {
          for (const entry of node.entries) {
            expect(entry.pattern.matchIndexed(target, plain)).toEqual(
              entry.pattern.matchRoute(target, plain),
            );
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('takes a path without its leading `/` below no node', () => {
    const index = new RouteIndex();
    const route = new Route(new Pattern('/user/:id', 'route'));
    index.add(route);
    expect(segmentsOf(index.deepest('/user/42'))).toEqual(['user']);
    expect(segmentsOf(index.deepest('xuser/42'))).toEqual([]);
    expect(route.pattern.matchIndexed('/user/42', true)).toEqual({ id: '42' });
  });
});
