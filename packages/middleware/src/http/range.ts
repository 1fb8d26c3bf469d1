// Range (RFC 9110 §14.2), hand-written: `range-parser` (what send uses) is CommonJS, has no
// cap on the number of ranges before merging, and merges only on request.

/** An inclusive byte range, as `Content-Range` writes it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What a `Range` header asks of a representation of `size` bytes. */
export type RangeRequest =
  /** Serve the whole representation (no header, a unit other than bytes, bad syntax, too many parts). */
  | { readonly kind: 'whole' }
  /** No range overlaps the representation: 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' }
  /** Sorted, merged, non-overlapping, each within the representation. */
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

/** Options of {@link parseRange}. */
export interface RangeOptions {
  /** More parts than this in the header, before merging, and the Range is ignored (200). Default 100. */
  readonly maxParts?: number;
  /** More ranges than this after merging, and the Range is ignored (200). Default 16. */
  readonly maxRanges?: number;
}

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses a `Range` header against a representation of `size` bytes. Ranges that overlap or
 * touch are merged (a client asking for the same bytes many times gets them once: Rack's
 * CVE-2024-26141 was an unbounded list), and their number is capped. Never throws.
 * @example parseRange('bytes=0-9,5-19', 100) // { kind: 'ranges', ranges: [{ start: 0, end: 19 }] }
 */
export function parseRange(
  header: string | undefined,
  size: number,
  options: RangeOptions = {},
): RangeRequest {
  const { maxParts = 100, maxRanges = 16 } = options;
  if (header === undefined) return WHOLE;
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return WHOLE;
  const parts = header.slice(eq + 1).split(',');
  if (parts.length > maxParts) return WHOLE;
  const ranges: ByteRange[] = [];
  let anyValid = false;
  for (const part of parts) {
    const trimmed = part.trim();
    if (trimmed === '') continue; // an empty list element is allowed (RFC 9110 §5.6.1)
    const match = SPEC.exec(trimmed);
    if (match === null) return WHOLE;
    const [, first = '', last = ''] = match;
    if (first === '' && last === '') return WHOLE;
    anyValid = true;
    if (first === '') {
      const suffix = Number(last);
      if (suffix > 0 && size > 0) ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Number(last);
    if (last !== '' && end < start) return WHOLE; // invalid syntax: the header is ignored
    if (start < size) ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (!anyValid) return WHOLE;
  if (ranges.length === 0) return UNSATISFIABLE;
  const merged = mergeRanges(ranges);
  return merged.length > maxRanges ? WHOLE : { kind: 'ranges', ranges: merged };
}

/** Sorts ranges and merges those that overlap or touch. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end + 1) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    } else merged.push(range);
  }
  return merged;
}

const WHOLE: RangeRequest = { kind: 'whole' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };
