import type { Key, Token } from 'path-to-regexp';
import { decodeSegment } from './encode.js';

/**
 * A pattern made only of literal text and whole-segment `:param`s (`/users/:id/files`),
 * as the pieces a path is matched against without a regexp: literal strings, and the
 * parameters between them.
 */
export type SegmentPieces = readonly (string | Key)[];

/**
 * The pieces of a pattern whose path-to-regexp regexp is `^(?:lit([^\/]+)lit…)$`: text and
 * `:param` tokens only (no group, no wildcard), each param right after a `/` and followed by
 * the end or by text starting with `/`. Then a param takes exactly the rest of its segment,
 * so walking the path with `startsWith` and `indexOf('/')` finds what the regexp does.
 * Anything else (`/:a-:b`, `/file.:ext`, `{…}`, `*rest`) returns undefined: the regexp decides.
 */
export function segmentPieces(tokens: readonly Token[]): SegmentPieces | undefined {
  const pieces: (string | Key)[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'text') {
      pieces.push(token.value);
      continue;
    }
    if (token.type !== 'param') return undefined;
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    if (before?.type !== 'text' || !before.value.endsWith('/')) return undefined;
    if (after !== undefined && (after.type !== 'text' || !after.value.startsWith('/'))) return undefined;
    pieces.push(token);
  }
  return pieces;
}

/**
 * Matches a whole segment-form path against `pieces`: the parameters, or null. With `decode`
 * each value is decoded from segment form (`%2F` → `/`); without it (the path holds no `%`)
 * it is the slice itself. From `from` on: the caller has compared what comes before.
 */
export function matchPieces(
  pieces: SegmentPieces,
  path: string,
  decode: boolean,
  from = 0,
): Record<string, string> | null {
  let params: Record<string, string> | null = null;
  let at = from;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (typeof piece === 'string') {
      if (!path.startsWith(piece, at)) return null;
      at += piece.length;
      continue;
    }
    let end = path.indexOf('/', at);
    if (end === -1) end = path.length;
    if (end === at) return null; // `[^\/]+`: a parameter is never empty
    const value = path.slice(at, end);
    params ??= {};
    params[piece.name] = decode ? decodeSegment(value) : value;
    at = end;
  }
  return at === path.length ? (params ?? {}) : null;
}
