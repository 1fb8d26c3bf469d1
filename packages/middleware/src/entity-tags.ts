/**
 * Entity tags and HTTP dates as the conditional headers carry them (RFC 9110 §8.8.3, §13.1):
 * shared by `conditionalGet()` and `checkPreconditions()`. Hand-written: the `fresh` package
 * answers only If-None-Match for GET, and splits lists on commas that may sit inside a tag.
 */

/** A parsed `If-Match` / `If-None-Match`: `*`, or the tags in order. */
export type EntityTagList = '*' | readonly string[];

/**
 * Parses an entity-tag list (`"a", W/"b"`, or `*`); null when it is malformed (which the
 * callers read as "the header is absent", as RFC 9110 allows). Empty list elements are skipped.
 * @example parseEntityTags('W/"x", "y"') // ['W/"x"', '"y"']
 */
export function parseEntityTags(value: string): EntityTagList | null {
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  const n = value.length;
  let i = 0;
  for (;;) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ',')) i++;
    if (i >= n) return tags;
    const start = i;
    if (value.startsWith('W/', i)) i += 2;
    if (value[i] !== '"') return null;
    i++;
    for (; i < n && value[i] !== '"'; i++) {
      const code = value.charCodeAt(i); // etagc: %x21 / %x23-7E / obs-text
      if (code < 0x21 || code === 0x7f || code > 0xff) return null;
    }
    if (i >= n) return null;
    i++;
    tags.push(value.slice(start, i));
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i < n && value[i] !== ',') return null;
  }
}

/**
 * Weak comparison: the same opaque tag, `W/` ignored on either side.
 * @example weakMatch('W/"a"', '"a"') // true
 */
export function weakMatch(a: string, b: string): boolean {
  return (a.startsWith('W/') ? a.slice(2) : a) === (b.startsWith('W/') ? b.slice(2) : b);
}

/**
 * Strong comparison: both strong and the same.
 * @example strongMatch('W/"a"', 'W/"a"') // false
 */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && a === b;
}

/**
 * An HTTP date as ms since the epoch, at whole seconds; undefined when it is not one.
 * @example parseHttpDate('Tue, 01 Dec 2026 09:00:00 GMT') // 1796115600000
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) * 1000;
}
