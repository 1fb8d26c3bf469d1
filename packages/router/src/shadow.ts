/**
 * Whether one pattern matches every path another one does: how the router refuses, when it
 * is added, a route that an earlier one would always answer first (`/users/:id` then
 * `/users/:name`, `/files/*path` then `/files/:name`).
 *
 * Hand-written: path-to-regexp compiles patterns to regexps, and whether one regexp's
 * language holds another's has no general answer worth its cost. This answers the common
 * cases exactly, segment by segment, and says "no" whenever it cannot tell, so that it
 * never refuses a route that could run.
 */
import type { Token } from 'path-to-regexp';

/** One segment of a pattern, as far as matching goes (parameter names do not matter). */
export type Segment =
  | { readonly kind: 'text'; readonly text: string } // literal, in segment form; '' for an empty segment
  | { readonly kind: 'param' } // a whole segment `:name`: any non-empty segment
  | { readonly kind: 'wildcard' } // a whole segment `*name`: one or more segments
  | { readonly kind: 'mixed'; readonly shape: string; readonly wildcard: boolean }; // `:a.:b`, `v:n`, `*f.json`

/** The ways a pattern can match (its `{…}` groups taken or not), each as its segments. */
export type Shape = readonly (readonly Segment[])[];

/** The shape of a parsed pattern: path-to-regexp expands groups the same way (at most 256 ways). */
export function shapeOf(tokens: readonly Token[]): Shape {
  return expand(tokens).map(segmentsOf);
}

type Flat = Exclude<Token, { type: 'group' }>;

function expand(tokens: readonly Token[]): Flat[][] {
  let ways: Flat[][] = [[]];
  for (const token of tokens) {
    if (token.type !== 'group') {
      for (const way of ways) way.push(token);
      continue;
    }
    const inner = expand(token.tokens);
    ways = ways.flatMap((way) => [way, ...inner.map((part) => [...way, ...part])]);
  }
  return ways;
}

function segmentsOf(tokens: readonly Flat[]): Segment[] {
  const segments: Segment[] = [];
  let parts: Flat[] = [];
  for (const token of tokens) {
    if (token.type !== 'text') {
      parts.push(token);
      continue;
    }
    const pieces = token.value.split('/');
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) {
        segments.push(classify(parts));
        parts = [];
      }
      if (pieces[i] !== '') parts.push({ type: 'text', value: pieces[i] as string });
    }
  }
  segments.push(classify(parts));
  return segments;
}

function classify(parts: readonly Flat[]): Segment {
  if (parts.every((part) => part.type === 'text')) {
    return { kind: 'text', text: parts.map((part) => (part.type === 'text' ? part.value : '')).join('') };
  }
  if (parts.length === 1) return { kind: parts[0]?.type === 'param' ? 'param' : 'wildcard' };
  const shape = parts
    .map((part) => (part.type === 'text' ? JSON.stringify(part.value) : part.type === 'param' ? ':' : '*'))
    .join(' ');
  return { kind: 'mixed', shape, wildcard: parts.some((part) => part.type === 'wildcard') };
}

/**
 * True when `outer` matches every path `inner` matches. With `prefix`, `outer` is a mount
 * prefix: it matches a path that starts with it (whole segments).
 */
export function covers(outer: Shape, inner: Shape, prefix = false): boolean {
  return inner.every((way) => outer.some((outerWay) => waysCover(outerWay, way, prefix)));
}

function waysCover(outer: readonly Segment[], inner: readonly Segment[], prefix: boolean): boolean {
  // only a last whole-segment wildcard, with no other wildcard before it, is simply "the rest"
  const wildcards = outer.filter(isWildcardish).length;
  const tail = outer.at(-1)?.kind === 'wildcard';
  if (wildcards > (tail ? 1 : 0)) return false;
  for (let i = 0; i < outer.length; i++) {
    const segment = outer[i] as Segment;
    if (segment.kind === 'wildcard') return restIsNonEmpty(inner, i);
    if (i >= inner.length) return false;
    if (!segmentCovers(segment, inner[i] as Segment)) return false;
  }
  return prefix || inner.length === outer.length;
}

function isWildcardish(segment: Segment): boolean {
  return segment.kind === 'wildcard' || (segment.kind === 'mixed' && segment.wildcard);
}

/** A wildcard (`[^]+`) needs at least one character of the path from segment `i` on. */
function restIsNonEmpty(inner: readonly Segment[], i: number): boolean {
  if (inner.length <= i) return false;
  if (inner.length > i + 1) return true; // a `/` at least
  const last = inner[i] as Segment;
  return last.kind !== 'text' || last.text !== '';
}

function segmentCovers(outer: Segment, inner: Segment): boolean {
  if (isWildcardish(inner)) return false; // it may span several segments: only a wildcard covers it
  switch (outer.kind) {
    case 'text':
      return inner.kind === 'text' && inner.text === outer.text;
    case 'param': // `[^/]+`: any one non-empty segment
      return inner.kind !== 'text' || inner.text !== '';
    case 'mixed':
      return inner.kind === 'mixed' && inner.shape === outer.shape;
    default:
      return false;
  }
}
