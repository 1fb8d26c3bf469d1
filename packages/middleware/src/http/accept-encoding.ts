// Accept-Encoding (RFC 9110 §12.5.3), hand-written: the maintained `negotiator` package is
// CommonJS with no types and would bring a parser for each Accept-* header we do not use.

/** One member of an `Accept-Encoding` list: a coding (lower-cased) and its weight. */
export interface EncodingPreference {
  readonly coding: string;
  /** From 0 (refused) to 1, at most three decimals. */
  readonly q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Parses an `Accept-Encoding` value. Lenient as a server must be: a malformed member (a bad
 * token, a bad `q`) is skipped, never an error; it never throws.
 * @example parseAcceptEncoding('gzip;q=0.8, br') // [{ coding: 'gzip', q: 0.8 }, { coding: 'br', q: 1 }]
 */
export function parseAcceptEncoding(header: string): EncodingPreference[] {
  const preferences: EncodingPreference[] = [];
  for (const member of header.split(',')) {
    const [name = '', ...params] = member.split(';');
    const coding = name.trim().toLowerCase();
    if (!TOKEN.test(coding)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      const key = param
        .slice(0, eq === -1 ? undefined : eq)
        .trim()
        .toLowerCase();
      if (key !== 'q') continue; // other parameters carry no meaning here
      const value = eq === -1 ? '' : param.slice(eq + 1).trim();
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    if (valid) preferences.push({ coding, q });
  }
  return preferences;
}

/**
 * Picks the content coding to answer with: one of `offers` (the server's allow-list, in its
 * order of preference), `'identity'` for none, or `null` when the client refuses every
 * offer and identity as well (a 406). A missing header means no preference: identity.
 * The client's weights decide first (an `identity` it names counts too); a tie goes to the
 * earlier offer, and a coding over identity.
 * @example negotiateEncoding('gzip, br;q=0.9', ['br', 'gzip']) // 'gzip'
 */
export function negotiateEncoding(header: string | undefined, offers: readonly string[]): string | null {
  if (header === undefined) return 'identity';
  const preferences = parseAcceptEncoding(header);
  const weight = (coding: string): number | undefined => {
    let star: number | undefined;
    for (const preference of preferences) {
      if (preference.coding === coding) return preference.q;
      if (preference.coding === '*') star = preference.q;
    }
    return star;
  };
  let best = 'identity';
  let bestQ = 0;
  for (const offer of offers) {
    const q = weight(offer) ?? 0;
    if (q > bestQ) {
      best = offer;
      bestQ = q;
    }
  }
  // a client that names identity above every coding on offer prefers it (a tie still compresses)
  const identity = preferences.find((preference) => preference.coding === 'identity');
  if (bestQ > 0 && (identity === undefined || identity.q <= bestQ)) return best;
  // identity is acceptable unless refused, by name or by `*;q=0` without naming it (§12.5.3)
  return weight('identity') === 0 ? null : 'identity';
}
