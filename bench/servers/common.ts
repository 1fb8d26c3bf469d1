/**
 * What every benchmark server shares: the responses, the route table and the ready signal.
 * Each server serves the same table, so a row differs only by the framework under it.
 */

/**
 * `BENCH_PRELOAD=<module>` imports a module into every server before it serves (`undici`, say): how
 * much the startup work of an unrelated import costs a request (bench/README.md, "Startup").
 */
const preload = process.env.BENCH_PRELOAD;
if (preload !== undefined && preload !== '') await import(preload);

/** The body of `GET /` and `GET /mw`. */
export const HELLO = 'Hello World!';

/** The Content-Type every server sends with HELLO. */
export const TEXT = 'text/plain; charset=utf-8';

/** How many no-op middleware layers sit in front of `GET /mw`. */
export const MIDDLEWARE_LAYERS = 10;

/** The routes every server serves (the filler table comes first, so these are matched last). */
export const STANDARD_ROUTES = ['/user/:id', '/mw', '/echo', '/'] as const;

/** Size of the route table when a server is not told otherwise: 6 filler routes + the 4 standard ones. */
export const DEFAULT_TABLE_SIZE = 10;

/**
 * Route patterns shaped like a real REST API (`/resource3/:id/items`…), `count` of them.
 * They answer `GET` with a short text, and are never hit by the load: they only make the table long.
 * @example apiRoutes(4) // ['/resource0', '/resource0/:id', '/resource0/:id/items', '/resource0/:id/items/:itemId']
 */
export function apiRoutes(count: number): string[] {
  const shapes = ['', '/:id', '/:id/items', '/:id/items/:itemId'];
  const routes: string[] = [];
  for (let i = 0; routes.length < count; i++) {
    for (const shape of shapes) {
      if (routes.length < count) routes.push(`/resource${i}${shape}`);
    }
  }
  return routes;
}

/** The filler routes for a table of `size` routes in total (the standard ones included). */
export function fillerRoutes(size = tableSize()): string[] {
  return apiRoutes(Math.max(0, size - STANDARD_ROUTES.length));
}

/** The table size asked for by the runner (`BENCH_TABLE_SIZE`), else DEFAULT_TABLE_SIZE. */
export function tableSize(): number {
  const size = Number(process.env.BENCH_TABLE_SIZE ?? DEFAULT_TABLE_SIZE);
  if (!Number.isInteger(size) || size < STANDARD_ROUTES.length) {
    throw new Error(`BENCH_TABLE_SIZE must be an integer >= ${STANDARD_ROUTES.length}, got ${size}`);
  }
  return size;
}

/** The address every server binds: loopback only. */
export const HOST = '127.0.0.1';

/**
 * Tells the runner the server is ready: one line `listening <port>` on stdout. From then on
 * SIGINT exits cleanly, so that `node --cpu-prof` writes its profile (profile.ts relies on it).
 */
export function announce(port: number): void {
  process.once('SIGINT', () => process.exit(0));
  process.stdout.write(`listening ${port}\n`);
}

/**
 * Requests a server answers on one connection before closing it (`BENCH_MAX_REQUESTS`; 0, no
 * limit, by default): what node:http and every peer here do unless told. tsgi's serve() closes
 * a connection after 1,000 by default (as nginx), so without this its rows would also count a
 * new connection every 1,000 requests, ~2 million instructions each, ~2,000 a request
 * (results/2026-12-01-count.md, second session). `BENCH_MAX_REQUESTS=1000` measures that cost
 * (raw node:http takes the same limit).
 */
export const MAX_REQUESTS_PER_CONNECTION = Number(process.env.BENCH_MAX_REQUESTS ?? 0);

/** The user id `GET /login` puts in the session of the stack servers (servers/*-stack.ts). */
export const STACK_USER = '42';

/** What a stack server's `GET /` answers without the session `GET /login` made: the check fails on it. */
export const ANONYMOUS = 'anonymous';

/** What `GET /login` and `GET /write` answer once the session is saved. */
export const SAVED = 'saved';

/** The signing secret of the stack servers' sessions (≥ 32 bytes; a bench constant, never a real key). */
export const SESSION_SECRET = 'bench-only-session-secret-0123456789abcdef';

/** A log stream that drops every line: access logs written, never stored. */
export const NULL_STREAM = { write: (_line: string): boolean => true };
