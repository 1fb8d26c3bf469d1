/** Hono 4 on @hono/node-server: its own router, `app.use(path, mw)` as its middleware idiom. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, fillerRoutes, HELLO, HOST, MIDDLEWARE_LAYERS } from './common.js';

const app = new Hono();

for (const path of fillerRoutes()) app.get(path, (c) => c.text('resource'));

app.get('/user/:id', (c) => c.json({ id: c.req.param('id') }));

for (let i = 0; i < MIDDLEWARE_LAYERS; i++) {
  app.use('/mw', async (_c, next) => {
    await next();
  });
}
app.get('/mw', (c) => c.text(HELLO));

app.post('/echo', async (c) =>
  c.body(await c.req.arrayBuffer(), 200, { 'content-type': 'application/octet-stream' }),
);

app.get('/', (c) => c.text(HELLO));

serve({ fetch: app.fetch, hostname: HOST, port: 0 }, (info) => announce(info.port));
