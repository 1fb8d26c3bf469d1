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
  // Issue 11: hello at the same path through 10 `mapResponse` layers, so the rows differ from hello by the layers alone.
  tsgiToolkit: {
    name: 'tsgi-toolkit',
    label: 'tsgi, hello through 10 `mapResponse` layers reading a header (issue 11)',
    file: 'tsgi',
    env: { BENCH_TOOLKIT: 'stacked' },
  },
  tsgiToolkitApart: {
    name: 'tsgi-toolkit-apart',
    label: 'tsgi, the same 10 layers each behind a no-op layer (no shared capture)',
    file: 'tsgi',
    env: { BENCH_TOOLKIT: 'apart' },
  },
  fastify: { name: 'fastify', label: 'Fastify 5', file: 'fastify' },
  hono: { name: 'hono', label: 'Hono 4 (@hono/node-server)', file: 'hono' },
  koa: { name: 'koa', label: 'Koa 3 (@koa/router)', file: 'koa' },
  express: { name: 'express', label: 'Express 5', file: 'express' },
  // The everyday stack (servers/*-stack.ts): request id, access log, session, compression, router.
  tsgiStack: { name: 'tsgi-stack', label: 'tsgi stack', file: 'tsgi-stack' },
  fastifyStack: { name: 'fastify-stack', label: 'Fastify 5 stack', file: 'fastify-stack' },
  expressStack: { name: 'express-stack', label: 'Express 5 stack', file: 'express-stack' },
  honoStack: { name: 'hono-stack', label: 'Hono 4 stack (@hono/session, cookie)', file: 'hono-stack' },
  tsgiStackRedis: { name: 'tsgi-stack-redis', label: 'tsgi stack, Redis', file: 'tsgi-stack', redis: true },
  fastifyStackRedis: {
    name: 'fastify-stack-redis',
    label: 'Fastify 5 stack, connect-redis',
    file: 'fastify-stack',
    redis: true,
  },
  expressStackRedis: {
    name: 'express-stack-redis',
    label: 'Express 5 stack, connect-redis',
    file: 'express-stack',
    redis: true,
  },
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
// The stack rows send the cookie `GET /login` set once: every request reads (or writes) that session.
const sessionRead: LoadRequest = { method: 'GET', path: '/', sessionFrom: '/login' };
const sessionWrite: LoadRequest = { method: 'GET', path: '/write', sessionFrom: '/login' };

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
      ...cases(hello, HELLO, [SERVERS.tsgiToolkit, SERVERS.tsgiToolkitApart]),
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
  {
    name: 'stack',
    title:
      'GET / through the everyday stack (request id, access log, errors, session read, compress, router)',
    cases: [
      ...cases(hello, HELLO, [SERVERS.node, SERVERS.tsgi]),
      ...cases(sessionRead, HELLO, [
        SERVERS.tsgiStack,
        SERVERS.fastifyStack,
        SERVERS.expressStack,
        SERVERS.honoStack,
      ]),
    ],
  },
  {
    name: 'write',
    title: 'GET /write: a session write per request (set, then save), memory store and Redis',
    cases: [
      ...cases(hello, HELLO, [SERVERS.node]),
      ...cases(sessionWrite, 'saved', [
        SERVERS.tsgiStack,
        SERVERS.fastifyStack,
        SERVERS.expressStack,
        SERVERS.honoStack,
        SERVERS.tsgiStackRedis,
        SERVERS.fastifyStackRedis,
        SERVERS.expressStackRedis,
      ]),
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
