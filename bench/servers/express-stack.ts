/**
 * Express 5 with the everyday stack in its own idiom: a request-id middleware, morgan to a null
 * stream, compression, express-session; its default error handler. The same routes as
 * servers/tsgi-stack.ts; the session store is express-session's MemoryStore, or connect-redis
 * when BENCH_REDIS_URL is set.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import compression from 'compression';
import express from 'express';
import session from 'express-session';
import morgan from 'morgan';
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
} from './common.js';

declare module 'express-session' {
  interface SessionData {
    user: string;
    n: number;
  }
}

const SAFE_ID = /^[\w.:-]{1,128}$/;
const url = process.env.BENCH_REDIS_URL;
// loaded only for the Redis rows, as in tsgi-stack.ts (an unused client made the count bistable)
const store = url ? await redisSessionStore(url) : undefined;

const app = express();
app.use((req, res, next) => {
  const incoming = req.get('x-request-id');
  const id = incoming !== undefined && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  next();
});
app.use(morgan('common', { stream: NULL_STREAM }));
app.use(compression());
app.use(
  session({
    secret: SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: 7 * 24 * 3600 * 1000 },
    ...(store ? { store } : {}),
  }),
);

for (const path of fillerRoutes()) app.get(path, (_req, res) => res.type('text/plain').send('resource'));

app.get('/login', (req, res) => {
  req.session.user = STACK_USER;
  res.type('text/plain').send(SAVED);
});
let writes = 0;
app.get('/write', (req, res) => {
  req.session.n = ++writes;
  res.type('text/plain').send(SAVED);
});
app.get('/', (req, res) => {
  res.type('text/plain').send(req.session.user === STACK_USER ? HELLO : ANONYMOUS);
});

const server = app.listen(0, HOST, () => announce((server.address() as AddressInfo).port));

/** connect-redis on a connected node-redis client. */
async function redisSessionStore(url: string) {
  const [{ RedisStore }, { createClient }] = await Promise.all([import('connect-redis'), import('redis')]);
  return new RedisStore({ client: await createClient({ url }).connect() });
}
