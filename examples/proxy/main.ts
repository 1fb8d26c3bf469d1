/**
 * A load balancer in front of three backend processes it starts itself:
 * `npm run start:proxy`, then reload http://localhost:8000 and watch the backend change.
 * See README.md beside this file.
 */
import { serve } from '@tsgi/core';
import { accessLog } from '@tsgi/middleware';
import { startBalancer } from './balancer.js';

const balancer = await startBalancer();
for (const backend of balancer.backends) {
  console.log(
    `backend ${backend.name} at ${backend.url} (pid ${backend.pid}): \`kill ${backend.pid}\` to watch failover`,
  );
}
const server = await serve(accessLog({ stream: process.stdout })(balancer.app), {
  port: Number(process.env.PORT ?? 8000),
  announce: true,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await server.close();
    await balancer.close();
    process.exit(0);
  });
}
