import type { Mount } from './mount.js';
import type { Route } from './route.js';

/** What the trie holds: routes with parameters, and mounts. */
export type Entry = Route | Mount;

/** A node of the trie: the entries whose literal leading segments lead exactly here. */
export interface IndexNode {
  readonly parent: IndexNode | undefined;
  /** The literal segment that leads here from the parent (`''` for the root). */
  readonly segment: string;
  /** `segment` and a `/`: what a path that goes on below this node holds at its offset. */
  readonly segmentSlash: string;
  readonly entries: Entry[];
  children: Map<string, IndexNode> | undefined;
  /** The children as a list while there are at most {@link FEW} of them, else undefined. */
  few: IndexNode[] | undefined;
}

/**
 * Up to this many children are found by comparing each one's segment in place (`startsWith`
 * at the offset): no `indexOf` for the segment's end, no slice of the path, no hash of the slice
 * for the Map. With Route.appFor's GET field, `npm run build` then `BENCH_COUNT_REQUESTS=10000
 * BENCH_COUNT_BATCHES=20 BENCH_COUNT_JOBS=1 BENCH_BUILD=0 BENCH_ONLY=user,tsgi BENCH_SAVE=0
 * npm run bench:count -w @tsgi/bench`, median batches of GET /user/42: 58,666, 58,631 and
 * 58,628 before, 58,468, 58,342 and 58,294 after (-274 on the means; results/2026-12-01-count.md).
 */
const FEW = 8;

/**
 * Finds the few routes that can match a path without trying every regexp:
 * - routes without parameters sit in a Map keyed by their path: one lookup;
 * - the others, and mounts, sit in a trie keyed by the literal segments their pattern
 *   starts with (`/api/users/:id` under `api` → `users`). A lookup walks the path's segments
 *   down the trie; only the entries on that walk can match, tried deepest first.
 * So a table of 1,000 routes costs about what a table of 10 does.
 */
export class RouteIndex {
  readonly #static = new Map<string, Route>();
  /** `#lengths[n]` is 1 when some static path is n long. */
  #lengths = new Uint8Array(0);
  readonly #root: IndexNode = {
    parent: undefined,
    segment: '',
    segmentSlash: '/',
    entries: [],
    children: undefined,
    few: undefined,
  };

  /** The route without parameters for exactly this path (segment form). */
  staticRoute(path: string): Route | undefined {
    // A path of no static route's length cannot be one: no need to hash it for the Map
    // (count bench, GET /user/42: see RouteTable.dispatch).
    const length = path.length;
    return length < this.#lengths.length && this.#lengths[length] === 1 ? this.#static.get(path) : undefined;
  }

  /** Files a route without parameters under its path. */
  addStatic(path: string, route: Route): void {
    this.#static.set(path, route);
    if (path.length >= this.#lengths.length) {
      const lengths = new Uint8Array(path.length + 1);
      lengths.set(this.#lengths);
      this.#lengths = lengths;
    }
    this.#lengths[path.length] = 1;
  }

  /** Files a route with parameters, or a mount, under its leading literal segments. */
  add(entry: Entry): void {
    let node = this.#root;
    for (const segment of entry.pattern.segments) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = {
          parent: node,
          segment,
          segmentSlash: `${segment}/`,
          entries: [],
          children: undefined,
          few: undefined,
        };
        node.children.set(segment, child);
        node.few = node.children.size <= FEW ? [...node.children.values()] : undefined;
      }
      node = child;
    }
    node.entries.push(entry);
  }

  /**
   * The deepest node the path's segments lead to. Its entries, then its parent's, up to the
   * root, are all the entries that can match the path, most specific first; the path starts
   * with `/` and the segments of each, each followed by `/` or the end.
   */
  deepest(path: string): IndexNode {
    let node = this.#root;
    // below the root only for a path that starts with '/' (every pattern does: Pattern.matchIndexed relies on it)
    if (path.charCodeAt(0) !== 47) return node;
    let start = 1;
    while (node.children !== undefined && start <= path.length) {
      const child =
        node.few === undefined ? childByMap(node.children, path, start) : childInPlace(node.few, path, start);
      if (child === undefined) break;
      node = child;
      start += child.segment.length + 1;
    }
    return node;
  }
}

/**
 * The child whose segment is the path's segment at `start`, compared in place: the segment and
 * a `/` at `start`, or the segment ending the path. No `indexOf` for where the path's segment
 * ends, no slice of it, no hash of the slice for the Map (count bench, GET /user/42: see FEW).
 */
function childInPlace(few: readonly IndexNode[], path: string, start: number): IndexNode | undefined {
  for (let i = 0; i < few.length; i++) {
    const child = few[i]!;
    if (path.startsWith(child.segmentSlash, start)) return child;
    if (path.length - start === child.segment.length && path.startsWith(child.segment, start)) return child;
  }
  return undefined;
}

/** The child for the path's segment at `start`, by a slice of it (a node of many children). */
function childByMap(children: Map<string, IndexNode>, path: string, start: number): IndexNode | undefined {
  let end = path.indexOf('/', start);
  if (end === -1) end = path.length;
  return children.get(path.slice(start, end));
}
