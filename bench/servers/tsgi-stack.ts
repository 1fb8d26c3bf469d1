/**
 * tsgi with the everyday stack (docs/middleware.md's order): requestId, accessLog to a null
 * stream, errors, proxyHeaders, session, compress, then the router. `GET /login` starts a session;
 * `GET /` reads it (Hello World! only if the session is there); `GET /write` sets a key and saves.
 * The session store is the memory store, or Redis when the runner passes BENCH_REDIS_URL.
 */
import { serve } from '@tsgi/core';
import {
  accessLog,
  compose,
  compress,
  errors,
  getSession,
  memoryStore,
  proxyHeaders,
  type RedisClientLike,
  redisStore,
  requestId,
  session,
} from '@tsgi/middleware';
import { router } from '@tsgi/router';
import {
  ANONYMOUS,
  announce,
  fillerRoutes,
  HELLO,
  HOST,
  MAX_REQUESTS_PER_CONNECTION,
  NULL_STREAM,
  SAVED,
  SESSION_SECRET,
  STACK_USER,
  TEXT,
} from './common.js';

// Connected before listening, as the peers' servers do. The Redis client is loaded only for the
// Redis rows (so in every stack server): loading it where it is not used made V8 pretenure an
// allocation site of the request path in 2 runs of 3, and then each request's garbage outlived the
// scavenges and paid for a mark-compact every ~1,700 requests (the 45–66% batch spread of
// results/2026-12-01-stack.md; see "Second session" there). The store and session timeouts are raised
// from 2 s because under valgrind (bench:count) every call runs ~50× slower; a timeout's length
// costs nothing per request.
const url = process.env.BENCH_REDIS_URL;
const TIMEOUT_MS = 60_000;
const client = url
  ? ((await (await import('redis')).createClient({ url }).connect()) as unknown as RedisClientLike)
  : undefined;
const store = client ? redisStore({ client, timeout: TIMEOUT_MS }) : memoryStore();
const headers: Array<[string, string]> = [['Content-Type', TEXT]];

const r = router();
for (const path of fillerRoutes()) {
  r.get(path, (_environ, startResponse) => {
    startResponse('200 OK', headers);
    return ['resource'];
  });
}
r.get('/login', (environ, startResponse) => {
  getSession(environ).set('user', STACK_USER);
  startResponse('200 OK', headers);
  return [SAVED];
});
let writes = 0;
r.get('/write', (environ, startResponse) => {
  getSession(environ).set('n', ++writes);
  startResponse('200 OK', headers);
  return [SAVED];
});
r.get('/', (environ, startResponse) => {
  const user = getSession(environ).get('user');
  startResponse('200 OK', headers);
  return [user === STACK_USER ? HELLO : ANONYMOUS];
});

const app = compose(
  requestId(),
  accessLog({ stream: NULL_STREAM }),
  errors(),
  proxyHeaders({ trustedHops: 1 }),
  session({ keys: [SESSION_SECRET], store, timeout: TIMEOUT_MS }),
  compress(),
)(r);

const server = await serve(app, {
  host: HOST,
  port: 0,
  maxRequestsPerConnection: MAX_REQUESTS_PER_CONNECTION,
});
announce(server.port);
