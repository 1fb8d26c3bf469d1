/**
 * Hono 4 with the everyday stack in its own idiom: hono/request-id, hono/logger to a no-op print
 * function, hono/compress, and @hono/session (the honojs/middleware session: the data encrypted
 * into the cookie as a JWE, no server store). The same routes as servers/tsgi-stack.ts, except
 * that there is no Redis row: @hono/session keeps no server-side store to put in Redis.
 */
import { serve } from '@hono/node-server';
import { type SessionEnv, useSession } from '@hono/session';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { logger } from 'hono/logger';
import { requestId } from 'hono/request-id';
import { ANONYMOUS, announce, fillerRoutes, HELLO, HOST, SAVED, STACK_USER } from './common.js';

type Data = { user?: string; n?: number };

// 32 bytes, hex: @hono/session's secret format (a bench constant, never a real key).
const SECRET = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const app = new Hono<SessionEnv<Data>>();
app.use(requestId());
app.use(logger(() => {}));
app.use(compress());
app.use(useSession<Data>({ secret: SECRET, duration: { absolute: 7 * 24 * 3600 } }));

for (const path of fillerRoutes()) app.get(path, (c) => c.text('resource'));

app.get('/login', async (c) => {
  await c.var.session.update({ user: STACK_USER });
  return c.text(SAVED);
});
let writes = 0;
app.get('/write', async (c) => {
  await c.var.session.update((data) => ({ ...data, n: ++writes }));
  return c.text(SAVED);
});
app.get('/', async (c) => {
  const data = await c.var.session.get();
  return c.text(data?.user === STACK_USER ? HELLO : ANONYMOUS);
});

serve({ fetch: app.fetch, hostname: HOST, port: 0 }, (info) => announce(info.port));
