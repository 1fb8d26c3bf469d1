/** Fastify 5: find-my-way routing, hooks as its middleware idiom (scoped to /mw by encapsulation). */
import Fastify from 'fastify';
import { announce, fillerRoutes, HELLO, HOST, MIDDLEWARE_LAYERS, TEXT } from './common.js';

const app = Fastify({ logger: false });

for (const path of fillerRoutes()) app.get(path, async () => 'resource');

app.get<{ Params: { id: string } }>('/user/:id', async (request) => ({ id: request.params.id }));

app.register(async (scope) => {
  for (let i = 0; i < MIDDLEWARE_LAYERS; i++) scope.addHook('onRequest', (_request, _reply, done) => done());
  scope.get('/mw', async (_request, reply) => reply.type(TEXT).send(HELLO));
});

app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);
app.post('/echo', async (request, reply) => reply.type('application/octet-stream').send(request.body));

app.get('/', async (_request, reply) => reply.type(TEXT).send(HELLO));

const address = await app.listen({ host: HOST, port: 0 });
announce(Number(new URL(address).port));
