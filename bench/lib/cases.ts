/** What gets measured: the servers, and the groups of (server, request) cases loaded in interleaved rounds. */
import type { LoadRequest } from './load.js';
import type { ServerSpec } from './servers.js';

/** Bytes of the `POST /echo` body. */
export const ECHO_BYTES = 1024;

/** Every server process the suite can start. */
export const SERVERS = {
  node: { name: 'node', label: 'node:http (raw)', file: 'node' },
  tsgi: { name: 'tsgi', label: 'tsgi', file: 'tsgi' },
  tsgiBare: {
    name: 'tsgi-bare',
    label: 'tsgi, no router (hand dispatch like node:http)',
    file: 'tsgi',
    env: { BENCH_BARE: '1' },
  },
  tsgi1000: {
    name: 'tsgi-1000',
    label: 'tsgi, 1,000 routes',
    file: 'tsgi',
    env: { BENCH_TABLE_SIZE: '1000' },
  },
  tsgiContext: {
    name: 'tsgi-context',
    label: 'tsgi + requestContext',
    file: 'tsgi',
    env: { BENCH_CONTEXT: '1' },
  },
  fastify: { name: 'fastify', label: 'Fastify 5', file: 'fastify' },
  hono: { name: 'hono', label: 'Hono 4 (@hono/node-server)', file: 'hono' },
  koa: { name: 'koa', label: 'Koa 3 (@koa/router)', file: 'koa' },
  express: { name: 'express', label: 'Express 5', file: 'express' },
} satisfies Record<string, ServerSpec>;

/** One row of a table: a request sent to a server. */
export interface Case {
  server: ServerSpec;
  request: LoadRequest;
  /** The exact response body a correct server sends. */
  expected: string;
  /** Row label when it differs from the server's. */
  label?: string;
}

/** A table: cases loaded round-robin, each round paired with the baseline (the first case). */
export interface Group {
  name: string;
  title: string;
  cases: Case[];
}

const HELLO = 'Hello World!';
const PEERS = [SERVERS.fastify, SERVERS.hono, SERVERS.koa, SERVERS.express];

function cases(request: LoadRequest, expected: string, servers: ServerSpec[]): Case[] {
  return servers.map((server) => ({ server, request, expected }));
}

const hello: LoadRequest = { method: 'GET', path: '/' };
const user: LoadRequest = { method: 'GET', path: '/user/42' };
const mw: LoadRequest = { method: 'GET', path: '/mw' };
const echo: LoadRequest = { method: 'POST', path: '/echo', bodyBytes: ECHO_BYTES };

/** The groups, in the order they run. The first case of each is raw node:http, the baseline. */
export const GROUPS: Group[] = [
  {
    name: 'hello',
    title: 'GET / (hello world)',
    cases: cases(hello, HELLO, [SERVERS.node, SERVERS.tsgi, SERVERS.tsgiBare, SERVERS.tsgiContext, ...PEERS]),
  },
  {
    name: 'user',
    title: 'GET /user/:id (router, JSON)',
    cases: cases(user, '{"id":"42"}', [SERVERS.node, SERVERS.tsgi, SERVERS.tsgi1000, ...PEERS]),
  },
  {
    name: 'mw',
    title: 'GET /mw (10 no-op middleware layers)',
    cases: [
      ...cases(mw, HELLO, [SERVERS.node, SERVERS.tsgi]),
      // tsgi's own hello in the same rounds, so /mw vs hello is a paired ratio too.
      { server: SERVERS.tsgi, request: hello, expected: HELLO, label: 'tsgi GET / (paired with /mw)' },
      {
        server: SERVERS.tsgi,
        request: { method: 'GET', path: '/mw-toolkit' },
        expected: HELLO,
        label: 'tsgi, 10 `mapResponse` layers reading a header (issue 11)',
      },
      ...cases(mw, HELLO, PEERS),
    ],
  },
  {
    name: 'echo',
    title: `POST /echo (${ECHO_BYTES} B body)`,
    cases: [
      ...cases(echo, 'x'.repeat(ECHO_BYTES), [SERVERS.node, SERVERS.tsgi]),
      {
        server: SERVERS.tsgi,
        request: { ...echo, path: '/echo/iterate' },
        expected: 'x'.repeat(ECHO_BYTES),
        label: 'tsgi, `for await` over tsgi.input',
      },
      ...cases(echo, 'x'.repeat(ECHO_BYTES), PEERS),
    ],
  },
];

/**
 * The groups narrowed by BENCH_ONLY words: a word naming a group keeps that group, a word naming a
 * server keeps that server's cases (the baseline always stays).
 */
export function selectGroups(only: string[]): Group[] {
  const known = new Set([...GROUPS.map((group) => group.name), ...Object.values(SERVERS).map((s) => s.name)]);
  const unknown = only.filter((word) => !known.has(word));
  if (unknown.length > 0) {
    throw new Error(`BENCH_ONLY: unknown '${unknown.join("', '")}'; known: ${[...known].join(', ')}`);
  }
  const groupWords = only.filter((word) => GROUPS.some((group) => group.name === word));
  const serverWords = only.filter((word) => !groupWords.includes(word));
  return GROUPS.filter((group) => groupWords.length === 0 || groupWords.includes(group.name)).map(
    (group) => ({
      ...group,
      cases: group.cases.filter(
        (entry, index) => index === 0 || serverWords.length === 0 || serverWords.includes(entry.server.name),
      ),
    }),
  );
}
