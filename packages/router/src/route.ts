import type { App } from '@tsgi/core';
import { isToken } from '@tsgi/core/http';
import type { Pattern } from './pattern.js';

// The order `Allow` lists methods in; others follow alphabetically.
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * A method as routes store it: upper-cased (so `r.route('get', …)` means GET), and an
 * HTTP token. Requests are matched case-sensitively, as HTTP says.
 */
export function normalizeMethod(method: unknown): string {
  if (typeof method !== 'string' || !isToken(method)) {
    throw new TypeError(`${JSON.stringify(method)} is not an HTTP method`);
  }
  return method.toUpperCase();
}

/** The methods in the order an `Allow` header lists them. */
export function sortMethods(methods: Iterable<string>): string[] {
  return [...methods].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function rank(method: string): number {
  const index = METHOD_ORDER.indexOf(method);
  return index === -1 ? METHOD_ORDER.length : index;
}

/** One pattern and the apps that answer it, by method. */
export class Route {
  readonly kind = 'route';
  readonly pattern: Pattern;
  readonly #byMethod = new Map<string, App>();
  /**
   * `#byMethod`'s GET app, kept apart: most requests are GETs, and comparing the method with
   * `'GET'` costs less than the Map's look-up (~95 instructions a request in callgrind; counted
   * with the trie's in-place compare, see route-index.ts's FEW).
   */
  #get: App | undefined;
  #anyMethod: App | undefined;

  constructor(pattern: Pattern) {
    this.pattern = pattern;
  }

  /**
   * Adds the app for a method (`undefined`: every method). Throws if one is there already,
   * or if `all()` is: routed first, it reads as answering this method too.
   */
  add(method: string | undefined, app: App): void {
    if (method === undefined ? this.#anyMethod !== undefined : this.#byMethod.has(method)) {
      const what = method ?? 'every method (all)';
      throw new TypeError(`${what} ${this.pattern.source} is routed twice: the second app could never run`);
    }
    if (method !== undefined && this.#anyMethod !== undefined) {
      throw new TypeError(
        `${method} ${this.pattern.source} is routed after all() ${this.pattern.source}, which answers every method: ` +
          `route ${method} first, then all() for the other methods`,
      );
    }
    if (method === undefined) this.#anyMethod = app;
    else this.#byMethod.set(method, app);
    if (method === 'GET') this.#get = app;
  }

  /** The app for a request method: its own, else GET's for HEAD, else the one for every method. */
  appFor(method: string): App | undefined {
    if (method === 'GET' && this.#get !== undefined) return this.#get;
    return (
      this.#byMethod.get(method) ??
      (method === 'HEAD' ? this.#byMethod.get('GET') : undefined) ??
      this.#anyMethod
    );
  }

  /** The methods routed one by one (not by `all()`). */
  methods(): IterableIterator<string> {
    return this.#byMethod.keys();
  }

  /** Whether `all()` routed every method here. */
  get answersAll(): boolean {
    return this.#anyMethod !== undefined;
  }

  /** Adds the methods this route answers to `allowed` (HEAD with GET, as {@link appFor} does). */
  addMethodsTo(allowed: Set<string>): void {
    for (const method of this.#byMethod.keys()) allowed.add(method);
    if (this.#byMethod.has('GET')) allowed.add('HEAD');
  }
}
