/**
 * Fastify 5 with the everyday stack in its own idiom: its logger (pino) to a null stream, a
 * request-id hook (the id from X-Request-Id or a UUID, echoed back), @fastify/cookie +
 * @fastify/session, @fastify/compress. The same routes as servers/tsgi-stack.ts; the session
 * store is @fastify/session's memory store, or connect-redis when BENCH_REDIS_URL is set.
 */
import { randomUUID } from 'node:crypto';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import {
  ANONYMOUS,
  announce,
  fillerRoutes,
  HELLO,
  HOST,
  NULL_STREAM,
  SAVED,
  SESSION_SECRET,
  STACK_USER,
  TEXT,
} from './common.js';

declare module 'fastify' {
  interface Session {
    user?: string;
    n?: number;
  }
}

const SAFE_ID = /^[\w.:-]{1,128}$/;

const app = Fastify({
  logger: { level: 'info', stream: NULL_STREAM },
  requestIdHeader: 'x-request-id',
  genReqId: (request) => {
    const incoming = request.headers['x-request-id'];
    return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
  },
});
app.addHook('onRequest', (request, reply, done) => {
  reply.header('x-request-id', request.id);
  done();
});

const url = process.env.BENCH_REDIS_URL;
// loaded only for the Redis rows, as in tsgi-stack.ts (an unused client made the count bistable)
const store = url ? await redisSessionStore(url) : undefined;

await app.register(fastifyCompress);
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: SESSION_SECRET,
  cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: 7 * 24 * 3600 * 1000 },
  saveUninitialized: false,
  ...(store ? { store } : {}),
});

for (const path of fillerRoutes()) app.get(path, async () => 'resource');

app.get('/login', async (request, reply) => {
  request.session.set('user', STACK_USER);
  return reply.type(TEXT).send(SAVED);
});
let writes = 0;
app.get('/write', async (request, reply) => {
  request.session.set('n', ++writes);
  return reply.type(TEXT).send(SAVED);
});
app.get('/', async (request, reply) =>
  reply.type(TEXT).send(request.session.get('user') === STACK_USER ? HELLO : ANONYMOUS),
);

const address = await app.listen({ host: HOST, port: 0 });
announce(Number(new URL(address).port));

/** connect-redis on a connected node-redis client. */
async function redisSessionStore(url: string) {
  const [{ RedisStore }, { createClient }] = await Promise.all([import('connect-redis'), import('redis')]);
  return new RedisStore({ client: await createClient({ url }).connect() });
}
