/** Koa 3 with @koa/router: `async (ctx, next) => next()` as middleware, scoped to the /mw route. */
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { announce, fillerRoutes, HELLO, HOST, MIDDLEWARE_LAYERS } from './common.js';

const app = new Koa();
const router = new Router();

for (const path of fillerRoutes()) {
  router.get(path, (ctx) => {
    ctx.body = 'resource';
  });
}

router.get('/user/:id', (ctx) => {
  ctx.body = { id: ctx.params.id };
});

const layers: Koa.Middleware[] = Array.from({ length: MIDDLEWARE_LAYERS }, () => async (_ctx, next) => {
  await next();
});
router.get('/mw', ...layers, (ctx) => {
  ctx.body = HELLO;
});

// Koa has no body parser of its own: read the raw stream, as a small app without koa-body would.
router.post('/echo', async (ctx) => {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  ctx.type = 'application/octet-stream';
  ctx.body = Buffer.concat(chunks);
});

router.get('/', (ctx) => {
  ctx.body = HELLO;
});

app.use(router.routes());

const server = app.listen(0, HOST, () => announce((server.address() as AddressInfo).port));
