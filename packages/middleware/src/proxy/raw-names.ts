import { isHopByHop } from '@tsgi/core/http';

/** A response header name as the upstream spelled it, lower-cased, and whether it is hop-by-hop. */
export interface RawName {
  readonly name: string;
  readonly lower: string;
  readonly hopByHop: boolean;
}

// An upstream sends the same few names on every response. Decoding each from undici's Buffer
// (`toString('latin1')`, a call into C++), then lower-casing and classifying it, costs far more
// than comparing its bytes with a cached spelling: responseHeaders went 14.3k → 9.9k
// instructions for tsgi's five-header hello (callgrind, per function). Keyed by length and
// first byte; bounded, so that an upstream sending random names cannot grow it.
const BUCKET_MAX = 8;
const NAMES_MAX = 256;
const cache = new Map<number, RawName[]>();
let cached = 0;

/**
 * The name a raw header Buffer (or string) holds.
 * @example rawName(Buffer.from('Content-Type')) // { name: 'Content-Type', lower: 'content-type', hopByHop: false }
 */
export function rawName(raw: Buffer | string): RawName {
  if (typeof raw === 'string') return describe(raw);
  const key = raw.length * 256 + (raw[0] ?? 0);
  const bucket = cache.get(key);
  if (bucket !== undefined) {
    for (const entry of bucket) if (sameBytes(raw, entry.name)) return entry;
  }
  const entry = describe(raw.toString('latin1'));
  if (cached < NAMES_MAX && (bucket?.length ?? 0) < BUCKET_MAX) {
    cached++;
    if (bucket === undefined) cache.set(key, [entry]);
    else bucket.push(entry);
  }
  return entry;
}

function describe(name: string): RawName {
  const lower = name.toLowerCase();
  return { name, lower, hopByHop: isHopByHop(lower) };
}

/** `raw` spells `name` byte for byte (same length and first byte already: the cache key). */
function sameBytes(raw: Buffer, name: string): boolean {
  for (let i = 1; i < raw.length; i++) if (raw[i] !== name.charCodeAt(i)) return false;
  return true;
}
