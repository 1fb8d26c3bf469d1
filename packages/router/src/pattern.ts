import { encodePath, hasDotSegment } from '@tsgi/core';
import {
  compile,
  type Key,
  PathError,
  parse,
  pathToRegexp,
  type Token,
  type TokenData,
} from 'path-to-regexp';
import { decodeSegment, escapePercent } from './encode.js';
import type { RouteParams } from './params.js';
import { matchPieces, type SegmentPieces, segmentPieces } from './segment-match.js';
import { type Shape, shapeOf } from './shadow.js';

/** Values for a URL's parameters: a `:name` takes a string or number, a `*name` an array of segments. */
export type UrlParams = Readonly<
  Record<string, string | number | readonly (string | number)[] | undefined | null>
>;

/** A route matches the whole path; a mount only a prefix of whole segments. */
export type PatternKind = 'route' | 'mount';

type BuildData = Record<string, string>;

/**
 * A path-to-regexp pattern compiled for the router: the regexp it matches the segment
 * form of a path with (see segment-path.ts), and what the route index files it under.
 */
export class Pattern {
  /** The pattern as written: `/users/:id`. */
  readonly source: string;
  /** For a pattern without parameters, the path it matches (in segment form). */
  readonly staticPath: string | undefined;
  /** The whole literal segments the pattern starts with: `['api', 'users']` for `/api/users/:id`. */
  readonly segments: readonly string[];
  readonly regexp: RegExp;
  readonly keys: readonly Key[];
  readonly #text: string;
  readonly #tokens: readonly Token[];
  /** A route of literal segments and whole-segment params, matched without its regexp. */
  readonly #pieces: SegmentPieces | undefined;
  /** `#pieces` after the `/`-led {@link segments} (`/user` of `/user/:id`), which the route index compares. */
  readonly #afterSegments: { readonly at: number; readonly pieces: SegmentPieces } | undefined;
  #shape: Shape | undefined;
  #build: ((data: BuildData) => string) | undefined;

  /** Throws a `TypeError` naming the pattern when it is malformed. */
  constructor(source: string, kind: PatternKind) {
    if (typeof source !== 'string') {
      throw new TypeError(`A route pattern must be a string, got ${typeof source}`);
    }
    if (!source.startsWith('/')) throw invalid(source, 'it must start with "/"');
    this.source = source;
    // a mount prefix matches whole segments: `/blog/` is `/blog`, and `/` mounts at the root
    this.#text = kind === 'mount' ? source.replace(/\/$/, '') : source;
    let data: TokenData;
    try {
      data = parse(this.#text, { encodePath: escapePercent });
    } catch (error) {
      throw error instanceof PathError ? invalid(source, error.message, error) : error;
    }
    for (const key of parameters(data.tokens)) key.name = propertyKey(key.name);
    let compiled: { regexp: RegExp; keys: Key[] };
    try {
      compiled = pathToRegexp(data, { end: kind === 'route', trailing: false, sensitive: true });
    } catch (error) {
      throw error instanceof PathError ? invalid(source, error.message, error) : error;
    }
    const names = new Set<string>();
    for (const key of parameters(data.tokens)) {
      if (names.has(key.name)) throw invalid(source, `the parameter "${key.name}" appears twice`);
      // params are plain objects (fast to make): this one name would set their prototype
      if (key.name === '__proto__') throw invalid(source, 'a parameter cannot be named "__proto__"');
      if (kind === 'mount' && key.type === 'wildcard') {
        throw invalid(
          source,
          `a mount prefix cannot end in a wildcard (*${key.name}): the mounted app gets the rest`,
        );
      }
      names.add(key.name);
    }
    this.regexp = compiled.regexp;
    this.keys = compiled.keys;
    const tokens = data.tokens;
    this.#tokens = tokens;
    this.staticPath = tokens.every((token) => token.type === 'text') ? textOf(tokens) : undefined;
    this.segments = leadingSegments(tokens);
    this.#pieces = kind === 'route' ? segmentPieces(tokens) : undefined;
    this.#afterSegments = this.#pieces && piecesAfter(this.#pieces, this.segments);
  }

  /**
   * The decoded parameters when this route pattern matches the whole segment-form `path`,
   * else null. `plain` says the path holds no `%`, so there is nothing to decode.
   * Patterns of whole segments only are matched by walking the path: no regexp exec and no
   * match array (`GET /user/42` in the count bench: see segment-match.ts); the others by {@link regexp}.
   */
  matchRoute(path: string, plain: boolean): RouteParams | null {
    if (this.#pieces !== undefined) return matchPieces(this.#pieces, path, !plain);
    const match = this.regexp.exec(path);
    return match === null ? null : this.params(match);
  }

  /**
   * {@link matchRoute} for a path the route index led here: it starts with `/` and this pattern's
   * {@link segments}, each followed by a `/` or the end (RouteIndex.deepest compared them), so
   * the walk starts after them (any other path: {@link matchRoute}, which compares them itself).
   * Count bench, GET /user/42: the `/user` of `/user/:id` was compared
   * twice, a character at a time (~35 instructions each; bench/results/2026-12-01-count.md, "Fourth session").
   */
  matchIndexed(path: string, plain: boolean): RouteParams | null {
    const after = this.#afterSegments;
    if (after !== undefined) return matchPieces(after.pieces, path, !plain, after.at);
    return this.matchRoute(path, plain);
  }

  /** The segments of each way the pattern matches, to tell when one pattern hides another (shadow.ts). */
  get shape(): Shape {
    this.#shape ??= shapeOf(this.#tokens);
    return this.#shape;
  }

  /** The decoded parameters of a match of {@link regexp}. */
  params(match: RegExpExecArray): RouteParams {
    const params: Record<string, string | string[]> = {};
    for (let i = 0; i < this.keys.length; i++) {
      const value = match[i + 1];
      if (value === undefined) continue; // an optional group that did not match
      const key = this.keys[i]!;
      params[key.name] = key.type === 'param' ? decodeSegment(value) : value.split('/').map(decodeSegment);
    }
    return params;
  }

  /**
   * The URL path for these parameters, percent-encoded. `label` names the route in errors.
   * Throws a `TypeError` for a missing parameter or one no URL can carry back.
   */
  build(values: UrlParams, label: string): string {
    const data: BuildData = {};
    for (const key of this.keys) {
      const value = values[key.name];
      if (value === undefined || value === null) continue; // compile reports it if required
      data[key.name] =
        key.type === 'param' ? encodeParam(value, key.name, label) : encodeWildcard(value, key.name, label);
    }
    if (this.#build === undefined) {
      // literal text is encoded here; parameters were by encodeParam, hence `encode: false`
      this.#build = compile(parse(this.#text, { encodePath }), { encode: false });
    }
    try {
      return this.#build(data);
    } catch (error) {
      throw new TypeError(`Cannot build a URL for ${label}: ${(error as Error).message}`, { cause: error });
    }
  }
}

function invalid(source: string, reason: string, cause?: unknown): TypeError {
  return new TypeError(`Invalid route pattern ${JSON.stringify(source)}: ${reason}`, { cause });
}

/** The parameters and wildcards in a pattern, each once however many ways its groups expand. */
function parameters(tokens: readonly Token[]): Key[] {
  return tokens.flatMap((token) =>
    token.type === 'group' ? parameters(token.tokens) : token.type === 'text' ? [] : [token],
  );
}

/**
 * `name` as V8's own copy of it as a property key (internalized). path-to-regexp slices the
 * names out of the pattern, and V8's property caches compare keys by identity: a keyed store
 * `params[name] = value` whose name is such a slice goes megamorphic on its second call (~300
 * instructions) even when the name and the object's shape never change. GET /user/42: callgrind's
 * KeyedStoreIC_Megamorphic 1,184 -> 889 instructions a request; `npm run bench:count` 59,629 ->
 * 59,110 and 59,245 (results/2026-12-01-count.md, "Third session").
 */
function propertyKey(name: string): string {
  return Object.keys({ [name]: 0 })[0] as string;
}

function textOf(tokens: readonly Token[]): string {
  let text = '';
  for (const token of tokens) if (token.type === 'text') text += token.value;
  return text;
}

/**
 * The literal segments a pattern starts with that are whole: ended by a `/` or by the end
 * of the pattern, whichever way its optional groups go (a mount matches whole segments only).
 */
function leadingSegments(tokens: readonly Token[]): string[] {
  const first = tokens[0];
  if (first === undefined || first.type !== 'text') return [];
  const parts = first.value.split('/').slice(1);
  return continuesWithSlash(tokens.slice(1)) ? parts : parts.slice(0, -1);
}

/**
 * The pieces left once a path is known to start with `/` and `segments` joined by `/`
 * (`['/', id]` at 5 for `/user/:id`), or undefined when the pieces do not start with them.
 */
function piecesAfter(
  pieces: SegmentPieces,
  segments: readonly string[],
): { at: number; pieces: SegmentPieces } | undefined {
  if (segments.length === 0) return { at: 0, pieces };
  const known = `/${segments.join('/')}`;
  const first = pieces[0];
  if (typeof first !== 'string' || !first.startsWith(known)) return undefined;
  const rest = first.slice(known.length);
  return { at: known.length, pieces: rest === '' ? pieces.slice(1) : [rest, ...pieces.slice(1)] };
}

/** True when every way `tokens` can match starts with `/` or matches nothing. */
function continuesWithSlash(tokens: readonly Token[]): boolean {
  const [next, ...rest] = tokens;
  if (next === undefined) return true;
  if (next.type === 'text') return next.value.startsWith('/');
  if (next.type === 'group') return continuesWithSlash([...next.tokens, ...rest]) && continuesWithSlash(rest);
  return false;
}

function encodeParam(value: unknown, name: string, label: string): string {
  if (Array.isArray(value)) {
    throw new TypeError(
      `Cannot build a URL for ${label}: parameter "${name}" takes one segment, not an array`,
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError(`Cannot build a URL for ${label}: parameter "${name}" must be a string or a number`);
  }
  const text = String(value);
  if (text === '') throw new TypeError(`Cannot build a URL for ${label}: parameter "${name}" is empty`);
  return encodeSegment(text, name, label);
}

/** A wildcard's segments, each encoded, joined with `/` (compile runs with `encode: false`). */
function encodeWildcard(value: unknown, name: string, label: string): string {
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot build a URL for ${label}: wildcard "${name}" takes an array of segments`);
  }
  if (value.length === 0 || (value.length === 1 && value[0] === '')) {
    throw new TypeError(`Cannot build a URL for ${label}: wildcard "${name}" is empty`);
  }
  return value
    .map((segment: unknown) => {
      if (typeof segment !== 'string' && typeof segment !== 'number') {
        throw new TypeError(`Cannot build a URL for ${label}: wildcard "${name}" holds a ${typeof segment}`);
      }
      return encodeSegment(String(segment), name, label);
    })
    .join('/');
}

function encodeSegment(text: string, name: string, label: string): string {
  // Clients resolve `.` and `..` (even as %2E) as dot-segments: the URL would lead elsewhere.
  if (text === '.' || text === '..') {
    throw new TypeError(
      `Cannot build a URL for ${label}: parameter "${name}" cannot be "${text}" (a dot-segment)`,
    );
  }
  // `a/..` travels as `a%2F..` (`a\..` as `a%5C..`), but PATH_INFO decodes it to a dot-segment,
  // which the router refuses
  if ((text.includes('/') || text.includes('\\')) && hasDotSegment(`/${text}`)) {
    throw new TypeError(
      `Cannot build a URL for ${label}: parameter "${name}" holds a "." or ".." dot-segment between slashes`,
    );
  }
  // Servers refuse a NUL in a path (a 400): a link holding one could never be followed.
  if (text.includes('\0')) {
    throw new TypeError(`Cannot build a URL for ${label}: parameter "${name}" holds NUL`);
  }
  try {
    return encodeURIComponent(text);
  } catch (error) {
    throw new TypeError(`Cannot build a URL for ${label}: parameter "${name}" is not well-formed Unicode`, {
      cause: error,
    });
  }
}
