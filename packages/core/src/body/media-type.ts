import { TOKEN_CHARS } from '../http/syntax.js';

/** A parsed `Content-Type`: the lower-cased essence and its parameters. */
export interface MediaType {
  /** `type/subtype`, lower-cased: `application/json`; `''` when there is none. */
  readonly type: string;
  /** Parameters by lower-cased name, values unquoted: `charset`, `boundary`. */
  readonly params: ReadonlyMap<string, string>;
}

const ESSENCE = new RegExp(`^\\s*(${TOKEN_CHARS}/${TOKEN_CHARS})\\s*`);
// `; name=value` or `; name="quoted \" value"`, matched one after another (sticky)
const PARAM = new RegExp(
  `;\\s*(${TOKEN_CHARS})\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s"]+))\\s*|;\\s*`,
  'y',
);

/**
 * Parses a `Content-Type` header value. Parsing stops at a malformed parameter rather than guess.
 * @example parseMediaType('Text/HTML; charset="utf-8"') // { type: 'text/html', params: Map { 'charset' => 'utf-8' } }
 */
export function parseMediaType(value: string | undefined): MediaType {
  const params = new Map<string, string>();
  const essence = value === undefined ? null : ESSENCE.exec(value);
  if (value === undefined || essence === null) return { type: '', params };
  PARAM.lastIndex = essence[0].length;
  for (let match = PARAM.exec(value); match !== null; match = PARAM.exec(value)) {
    const name = match[1]?.toLowerCase();
    // the first occurrence wins, so a repeated `boundary` cannot change what was checked
    if (name !== undefined && !params.has(name)) {
      params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string));
    }
    if (PARAM.lastIndex === value.length) break;
  }
  return { type: (essence[1] as string).toLowerCase(), params };
}
