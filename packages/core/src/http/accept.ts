/**
 * Content negotiation on `Accept` (RFC 9110 §12.5.1), as far as picking one of a few media
 * types the server can produce needs it.
 */

/** How well an `Accept` header takes one media type: its q-value, and how specific the range that gave it. */
interface Match {
  /** 0 to 1; 0 means "not acceptable". */
  readonly quality: number;
  /** 2 for `type/subtype`, 1 for `type/*`, 0 for the wildcard of every type, -1 for no range. */
  readonly specificity: number;
}

const NO_MATCH: Match = { quality: 0, specificity: -1 };
const QUALITY = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i;

/** The most specific range of `accept` that covers `type` (`text/html`), with its q-value. */
function match(accept: string, type: string): Match {
  const slash = type.indexOf('/');
  const main = type.slice(0, slash);
  let best = NO_MATCH;
  for (const element of accept.split(',')) {
    const [range = '', ...params] = element.split(';');
    const name = range.trim().toLowerCase();
    let specificity: number;
    if (name === type) specificity = 2;
    else if (name === `${main}/*`) specificity = 1;
    else if (name === '*/*') specificity = 0;
    else continue;
    let quality = 1;
    for (const param of params) {
      const q = QUALITY.exec(param);
      if (q !== null) quality = Math.min(1, Number(q[1]));
    }
    if (specificity > best.specificity) best = { quality, specificity };
  }
  return best;
}

/**
 * The type of `offers` the client prefers, by its `Accept` header: the highest q-value, then
 * the one named most specifically (an exact `application/json` beats a wildcard), then the
 * first offered; undefined when it accepts none of them. No header accepts anything: the first.
 * Media-type parameters other than `q` are ignored.
 * @example preferredType('application/json;q=0.9, text/html', ['text/html', 'application/json']) // 'text/html'
 * @example preferredType('application/json, *\/*', ['text/html', 'application/json']) // 'application/json'
 */
export function preferredType<T extends string>(
  accept: string | undefined,
  offers: readonly T[],
): T | undefined {
  if (accept === undefined || accept.trim() === '') return offers[0];
  let chosen: T | undefined;
  let best = NO_MATCH;
  for (const offer of offers) {
    const candidate = match(accept, offer);
    if (candidate.quality === 0) continue;
    if (
      chosen === undefined ||
      candidate.quality > best.quality ||
      (candidate.quality === best.quality && candidate.specificity > best.specificity)
    ) {
      chosen = offer;
      best = candidate;
    }
  }
  return chosen;
}
