// The app of examples/deploy: sessions in Redis, shared by every process behind the load
// balancer, and the client's address and scheme as nginx forwards them.
//   REDIS_URL=redis://127.0.0.1:6379 SESSION_KEY=… tsgi serve examples/deploy/app.ts --port 8001
// GET /login?user=NAME starts a session; GET /me reads it; GET /whoami shows what the app sees
// of the client. Each answer names the process that gave it (BACKEND, else the pid).
import type { App } from '@tsgi/core';
import { compose, proxyHeaders } from '@tsgi/middleware';
import { getSession, redisStore, session } from '@tsgi/middleware/session';

const backend = process.env.BACKEND ?? String(process.pid);
const key = process.env.SESSION_KEY;
if (key === undefined || key.length < 32)
  throw new TypeError('SESSION_KEY must be set, 32 characters or more');

const routes: App = (environ, startResponse) => {
  const answer = (value: Record<string, unknown>) => {
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify({ backend, ...value })];
  };
  const s = getSession(environ);
  switch (environ.PATH_INFO) {
    case '/login': {
      const user = new URLSearchParams(environ.QUERY_STRING).get('user') ?? 'anonymous';
      s.set('user', user);
      return answer({ user });
    }
    case '/me':
      return answer({ user: s.get<string>('user') ?? null });
    case '/whoami':
      return answer({
        remoteAddr: environ.REMOTE_ADDR,
        scheme: environ['tsgi.url_scheme'],
        host: environ.HTTP_HOST ?? null,
      });
    default:
      startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
      return ['not found'];
  }
};

/** nginx in front, one hop: its X-Forwarded-For, -Proto and -Host are believed, nothing further left. */
export const app: App = compose(
  proxyHeaders({ trustedHops: 1 }),
  session({ keys: [key], store: redisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }) }),
)(routes);

export default app;
