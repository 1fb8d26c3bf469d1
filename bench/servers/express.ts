/** Express 5 with its defaults: its router, `app.use(path, (req, res, next) => next())` as middleware. */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { announce, fillerRoutes, HELLO, HOST, MIDDLEWARE_LAYERS } from './common.js';

const app = express();

for (const path of fillerRoutes()) app.get(path, (_req, res) => res.type('text/plain').send('resource'));

app.get('/user/:id', (req, res) => res.json({ id: req.params.id }));

app.post('/echo', express.raw({ type: 'application/octet-stream' }), (req, res) => {
  res.type('application/octet-stream').send(req.body);
});

app.get('/', (_req, res) => res.type('text/plain').send(HELLO));

// After the other routes, so only /mw walks through them.
for (let i = 0; i < MIDDLEWARE_LAYERS; i++) app.use('/mw', (_req, _res, next) => next());
app.get('/mw', (_req, res) => res.type('text/plain').send(HELLO));

const server = app.listen(0, HOST, () => announce((server.address() as AddressInfo).port));
