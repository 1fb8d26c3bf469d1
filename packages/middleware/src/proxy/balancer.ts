import type { Environ } from '@tsgi/core';
import type { Strategy, UpstreamInfo } from './options.js';
import type { Upstream } from './upstream.js';

/** Picks an upstream for one attempt, among those in service and not yet tried for the request. */
export type Picker = (candidates: readonly Upstream[], environ: Environ) => Upstream | undefined;

/** The picker for a strategy option. */
export function pickerOf(strategy: Strategy, all: readonly Upstream[]): Picker {
  if (strategy === 'round-robin') return roundRobin;
  if (strategy === 'least-connections') return leastConnections(all);
  return custom(strategy);
}

/**
 * Smooth weighted round-robin (nginx's): every pick adds each candidate's weight to its running
 * total, takes the largest and subtracts the sum from it. Equal weights give plain rotation;
 * weights 5:1:1 give a a b a c a a, not a a a a a b c. Candidates left out (down, tried) keep
 * their totals, so a restored upstream rejoins the rotation where it was.
 */
function roundRobin(candidates: readonly Upstream[]): Upstream | undefined {
  let best: Upstream | undefined;
  let total = 0;
  for (const upstream of candidates) {
    upstream.current += upstream.weight;
    total += upstream.weight;
    if (best === undefined || upstream.current > best.current) best = upstream;
  }
  if (best !== undefined) best.current -= total;
  return best;
}

/**
 * The fewest requests in flight per unit of weight; ties go round the list, starting after the
 * last one picked, so that idle upstreams share the load rather than the first taking it all.
 */
function leastConnections(all: readonly Upstream[]): Picker {
  let last = -1;
  return (candidates) => {
    let best: Upstream | undefined;
    let bestDistance = 0;
    for (const upstream of candidates) {
      // distance after `last` in list order: the tie-break
      const distance = (upstream.index - last - 1 + all.length) % all.length;
      if (
        best === undefined ||
        upstream.active * best.weight < best.active * upstream.weight ||
        (upstream.active * best.weight === best.active * upstream.weight && distance < bestDistance)
      ) {
        best = upstream;
        bestDistance = distance;
      }
    }
    if (best !== undefined) last = best.index;
    return best;
  };
}

function custom(choose: Exclude<Strategy, string>): Picker {
  return (candidates, environ) => {
    const views = candidates.map((upstream) => upstream.info());
    const chosen: UpstreamInfo | undefined = choose(views, environ);
    if (chosen === undefined || chosen === null) return undefined;
    const index = views.indexOf(chosen);
    const picked =
      index === -1 ? candidates.find((upstream) => upstream.index === chosen.index) : candidates[index];
    if (picked === undefined) {
      throw new TypeError('proxy: the strategy function must return one of the candidates it was given');
    }
    return picked;
  };
}
