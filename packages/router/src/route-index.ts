import type { Mount } from './mount.js';
import type { Route } from './route.js';

/** What the trie holds: routes with parameters, and mounts. */
export type Entry = Route | Mount;

/** A node of the trie: the entries whose literal leading segments lead exactly here. */
export interface IndexNode {
  readonly parent: IndexNode | undefined;
  readonly entries: Entry[];
  children: Map<string, IndexNode> | undefined;
}

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
  readonly #root: IndexNode = { parent: undefined, entries: [], children: undefined };

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
        child = { parent: node, entries: [], children: undefined };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.entries.push(entry);
  }

  /**
   * The deepest node the path's segments lead to. Its entries, then its parent's, up to the
   * root, are all the entries that can match the path, most specific first.
   */
  deepest(path: string): IndexNode {
    let node = this.#root;
    let start = 1; // path starts with '/'
    while (node.children !== undefined && start <= path.length) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      const child = node.children.get(path.slice(start, end));
      if (child === undefined) break;
      node = child;
      start = end + 1;
    }
    return node;
  }
}
