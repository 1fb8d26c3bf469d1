import type { Entry } from './route-index.js';
import { covers } from './shadow.js';

/** Methods being added to a route; `undefined` stands for every method (`all()`). */
export type Methods = readonly (string | undefined)[];

/** Where an entry sits in the order of dispatch: its trie depth, then when it was added. */
export interface Placed {
  readonly entry: Entry;
  readonly order: number;
}

/**
 * Throws a `TypeError` naming both when adding `methods` to `added` (a route with
 * parameters or a mount, new or not) leaves a route or mount that could never answer: the
 * added one, because an entry tried before it matches every path it does for one of its
 * methods, or one already there, because the added one would now be tried first.
 * The cost is at registration only; dispatch does nothing more.
 */
export function refuseUnreachable(placed: Iterable<Placed>, added: Placed, methods: Methods): void {
  for (const other of placed) {
    if (other.entry === added.entry || !related(other.entry, added.entry)) continue;
    if (precedes(other, added)) {
      if (!hides(other.entry, added.entry)) continue;
      for (const method of added.entry.kind === 'mount' ? [undefined] : methods) {
        const by = answerer(other.entry, method, []);
        if (by !== undefined) throw unreachable(label(added.entry, method), by);
      }
    } else if (hides(added.entry, other.entry)) {
      const victim = other.entry;
      const claimed: Methods = victim.kind === 'mount' ? [undefined] : methodsOf(victim);
      for (const method of claimed) {
        const by = answerer(added.entry, method, methods);
        if (by !== undefined) throw unreachable(label(victim, method), by, true);
      }
    }
  }
}

/** Two entries can match one path only if the literal segments they start with agree so far. */
function related(a: Entry, b: Entry): boolean {
  const n = Math.min(a.pattern.segments.length, b.pattern.segments.length);
  for (let i = 0; i < n; i++) if (a.pattern.segments[i] !== b.pattern.segments[i]) return false;
  return true;
}

/** Whether `a` is tried before `b`: deeper in the trie first, then in the order added (see dispatch). */
function precedes(a: Placed, b: Placed): boolean {
  const depth = a.entry.pattern.segments.length - b.entry.pattern.segments.length;
  return depth !== 0 ? depth > 0 : a.order < b.order;
}

/** Whether `outer` matches every path that `inner` does (a mount: every path under it). */
function hides(outer: Entry, inner: Entry): boolean {
  if (outer.kind === 'mount') {
    // a prefix ending in a parameter lets a value ending in %2F through (see Mount.match): unsure
    if (outer.pattern.shape.some((way) => way.at(-1)?.kind !== 'text')) return false;
    return covers(outer.pattern.shape, inner.pattern.shape, true);
  }
  return inner.kind === 'route' && covers(outer.pattern.shape, inner.pattern.shape);
}

function methodsOf(route: Entry & { kind: 'route' }): Methods {
  return route.answersAll ? [...route.methods(), undefined] : [...route.methods()];
}

/**
 * How `entry` answers requests of `method` (`undefined`: every method), with `adding` about
 * to be added to it: a label for the error, or undefined when it does not answer them all.
 */
function answerer(entry: Entry, method: string | undefined, adding: Methods): string | undefined {
  if (entry.kind === 'mount') return label(entry, undefined);
  const all = entry.answersAll || adding.includes(undefined);
  if (method === undefined) return all ? label(entry, undefined) : undefined;
  const has = (m: string) => adding.includes(m) || [...entry.methods()].includes(m);
  if (has(method)) return label(entry, method);
  if (method === 'HEAD' && has('GET')) return label(entry, 'GET');
  return all ? label(entry, undefined) : undefined;
}

function label(entry: Entry, method: string | undefined): string {
  if (entry.kind === 'mount') return `the mount at ${entry.pattern.source}`;
  return `${method ?? 'all()'} ${entry.pattern.source}`;
}

function unreachable(victim: string, by: string, existing = false): TypeError {
  const who = existing ? `${victim} (added before) would never run` : `${victim} would never run`;
  return new TypeError(`${who}: ${by} is tried first and matches every path it matches`);
}
