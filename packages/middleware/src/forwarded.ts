/**
 * The RFC 7239 `Forwarded` header: `for=192.0.2.60;proto=https;by=203.0.113.43, for="[2001:db8::1]:4711"`.
 * Hand-written: the npm `forwarded` package reads X-Forwarded-For only, and the parsers that
 * read RFC 7239 accept malformed lists (half-read values are worse than none for trust).
 */

/** One proxy's element of a `Forwarded` list: parameter names lower-cased (`for`, `by`, `host`, `proto`, …). */
export type ForwardedElement = Readonly<Record<string, string>>;

/** The one error {@link parseForwarded} throws: the header is not valid RFC 7239 syntax. */
export class ForwardedSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForwardedSyntaxError';
  }
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// qdtext and quoted-pair content: HTAB, SP, VCHAR, obs-text
const QUOTABLE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a `Forwarded` header into its elements, the client's nearest proxy first (as sent:
 * each proxy appends its own). Empty list elements are skipped (RFC 9110's list rule).
 * Throws {@link ForwardedSyntaxError}, and nothing else, for input that is not valid: a
 * parameter without `=`, an unterminated quoted string, a repeated parameter in an element,
 * a character outside the grammar.
 * @example parseForwarded('for=192.0.2.60;proto=https, for=unknown') // [{ for: '192.0.2.60', proto: 'https' }, { for: 'unknown' }]
 */
export function parseForwarded(header: string): ForwardedElement[] {
  const elements: ForwardedElement[] = [];
  let element: Record<string, string> = Object.create(null);
  let count = 0;
  let i = 0;
  const n = header.length;
  const fail = (what: string): never => {
    throw new ForwardedSyntaxError(`Forwarded: ${what} at offset ${i}`);
  };
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const endElement = () => {
    if (count > 0) elements.push(element);
    element = Object.create(null);
    count = 0;
  };
  skipSpace();
  while (i < n) {
    const char = header[i] as string;
    if (char === ',') {
      endElement();
      i++;
      skipSpace();
      continue;
    }
    if (char === ';') {
      i++;
      skipSpace();
      continue;
    }
    const nameStart = i;
    while (i < n && TCHAR.test(header[i] as string)) i++;
    if (i === nameStart) fail(`unexpected ${JSON.stringify(char)}`);
    const name = header.slice(nameStart, i).toLowerCase();
    if (header[i] !== '=') fail(`parameter ${JSON.stringify(name)} without "="`);
    i++;
    let value: string;
    if (header[i] === '"') {
      i++;
      value = '';
      for (;;) {
        if (i >= n) fail('unterminated quoted string');
        const c = header[i] as string;
        if (c === '"') break;
        if (c === '\\') {
          i++;
          if (i >= n) fail('unterminated quoted string');
        }
        const code = header.charCodeAt(i);
        if (!(code === 9 || (code >= 0x20 && code !== 0x7f && code <= 0xff)))
          fail('a control character in a quoted string');
        value += header[i];
        i++;
      }
      i++;
    } else {
      const valueStart = i;
      while (i < n && TCHAR.test(header[i] as string)) i++;
      if (i === valueStart) fail(`parameter ${JSON.stringify(name)} without a value`);
      value = header.slice(valueStart, i);
    }
    if (name in element) fail(`parameter ${JSON.stringify(name)} twice in one element`);
    element[name] = value;
    count++;
    skipSpace();
    if (i < n && header[i] !== ',' && header[i] !== ';') fail(`unexpected ${JSON.stringify(header[i])}`);
  }
  endElement();
  return elements;
}

/**
 * Writes elements as a `Forwarded` header value (the inverse of {@link parseForwarded}): a
 * value that is not a token is quoted. Throws a TypeError for a parameter name that is not a
 * token or a value that cannot be sent (a control character, or outside Latin-1).
 * @example formatForwarded([{ for: '[2001:db8::1]:4711', proto: 'https' }]) // 'for="[2001:db8::1]:4711";proto=https'
 */
export function formatForwarded(elements: readonly ForwardedElement[]): string {
  return elements
    .map((element) =>
      Object.entries(element)
        .map(([name, value]) => {
          if (!TOKEN.test(name))
            throw new TypeError(`Forwarded: parameter name ${JSON.stringify(name)} is not a token`);
          if (TOKEN.test(value)) return `${name}=${value}`;
          if (!QUOTABLE.test(value)) throw new TypeError(`Forwarded: the value of ${name} cannot be sent`);
          return `${name}="${value.replace(/["\\]/g, '\\$&')}"`;
        })
        .join(';'),
    )
    .join(', ');
}

/**
 * A `for`/`by` node's address: `192.0.2.60`, `[2001:db8::1]:4711` → `2001:db8::1`; undefined for
 * `unknown`, an obfuscated `_name` or anything else that is not an address with an optional port.
 * @example forwardedAddress('"[2001:db8::1]:4711"'.slice(1, -1)) // '2001:db8::1'
 */
export function forwardedAddress(node: string): string | undefined {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(node);
  if (v6 !== null) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$/.exec(node);
  return v4 === null ? undefined : v4[1];
}
