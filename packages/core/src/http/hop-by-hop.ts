const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * True for a header that describes one connection rather than the message (RFC 9110 §7.6.1):
 * `Connection`, `Keep-Alive`, `Transfer-Encoding`, `Upgrade`, `TE`, `Trailer`, `Proxy-*`.
 * An adapter that carries a message from one server to another drops them.
 * @example isHopByHop('Keep-Alive') // true; isHopByHop('Content-Type') // false
 */
export function isHopByHop(name: string): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-');
}

/**
 * The headers of `pairs` that belong to the message: without hop-by-hop headers, and without
 * the ones the message's own `Connection` header names.
 * @example endToEndHeaders([['Connection', 'x-a'], ['X-A', '1'], ['X-B', '2']]) // [['X-B', '2']]
 */
export function endToEndHeaders(pairs: Iterable<[string, string]>): Array<[string, string]> {
  const all = [...pairs];
  const named = new Set<string>();
  for (const [name, value] of all) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) named.add(token.trim().toLowerCase());
  }
  return all.filter(([name]) => !isHopByHop(name) && !named.has(name.toLowerCase()));
}
