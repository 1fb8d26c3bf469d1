/**
 * Encodings between the three spellings of a path the router meets:
 * - decoded: `PATH_INFO`, `SCRIPT_NAME` and the text of patterns (`/café/a b`);
 * - segment form: decoded, except that a `/` inside a segment is `%2F` and a `%` is `%25`,
 *   so that splitting on `/` gives the segments the client sent (see segment-path.ts);
 * - URL: percent-encoded, ready for a link or a `Location` header.
 */

import { encodePath } from '@tsgi/core';

const SEGMENT_ESCAPES = /%2[5F]/g;
const DOUBLE_ESCAPED = /%25(25|2F)/g;

/** Decodes segment form: `%2F` → `/`, `%25` → `%`. */
export function decodeSegment(value: string): string {
  return value.indexOf('%') === -1 ? value : value.replace(SEGMENT_ESCAPES, unescapeOne);
}

function unescapeOne(sequence: string): string {
  return sequence === '%25' ? '%' : '/';
}

/** Writes decoded text in segment form, where it may not hold a `/` of its own: `%` → `%25`. */
export function escapePercent(text: string): string {
  return text.indexOf('%') === -1 ? text : text.replaceAll('%', '%25');
}

/** Writes one decoded segment in segment form: `%` → `%25`, `/` → `%2F`. */
export function toSegment(decoded: string): string {
  return escapePercent(decoded).replaceAll('/', '%2F');
}

/**
 * A segment-form path as a URL path: like core's `encodePath` (which spells decoded text),
 * keeping `%2F` inside its segment.
 */
export function segmentPathToUrl(path: string): string {
  // encodePath turns the escapes `%25` and `%2F` into `%2525` and `%252F`: undo just that.
  const url = encodePath(path);
  return url === path ? url : url.replace(DOUBLE_ESCAPED, '%$1');
}

/** A path as the client spelled it (percent-encoded) in segment form: each segment decoded, then escaped. */
export function rawToSegmentPath(raw: string): string {
  return raw.indexOf('%') === -1 ? raw : raw.split('/').map(decodeRawSegment).join('/');
}

function decodeRawSegment(segment: string): string {
  return segment.indexOf('%') === -1 ? segment : toSegment(decodeURIComponent(segment));
}
