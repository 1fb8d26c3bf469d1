/**
 * One backend of the load balancer: a tiny app that says which process answered.
 * `BACKEND_NAME=b1 PORT=9001 node --conditions=tsgi-source --import tsx examples/proxy/backend.ts`
 * (balancer.ts starts three of these itself).
 */
import { type App, Response, serve } from '@tsgi/core';
import { handle, router } from '@tsgi/router';

/** The backend's app: `/` names the backend and its process, `/health` is the health check's. */
export function backendApp(name: string): App {
  let served = 0;
  return router()
    .get('/health', Response.text('ok\n'))
    .get(
      '/',
      handle((request) =>
        Response.json({
          backend: name,
          pid: process.pid,
          served: ++served,
          forwardedFor: request.headers.get('x-forwarded-for'),
        }),
      ),
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const name = process.env.BACKEND_NAME ?? 'backend';
  // started by the balancer: leave with it, even when it was killed without a chance to stop us
  if (process.env.EXIT_WITH_PARENT === '1') process.stdin.on('close', () => process.exit(0)).resume();
  await serve(backendApp(name), { port: Number(process.env.PORT ?? 0), announce: true });
}
