/**
 * Hello, tsgi: the three shapes an app can take (PEP 3333's function, iterable class and
 * bound method), then the Request → Response style most handlers use.
 * Serve it with `main.ts`; each export is an app on its own too.
 */
import {
  type App,
  type Body,
  type Chunk,
  type Environ,
  fromClass,
  handler,
  html,
  MethodNotAllowed,
  NotFound,
  Response,
  type StartResponse,
} from '@tsgi/core';

// Shape 1: a function.
export const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return ['Hello, world!\n'];
};

// Shape 2: a class whose instances are iterable, one per request (PEP 3333's AppClass).
export class Countdown {
  constructor(
    private readonly environ: Environ,
    private readonly startResponse: StartResponse,
  ) {}

  *[Symbol.iterator](): Iterator<Chunk> {
    const from = Math.min(Number(new URLSearchParams(this.environ.QUERY_STRING).get('from') ?? 3) || 3, 10);
    this.startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
    for (let n = from; n > 0; n--) yield `${n}\n`;
    yield 'liftoff\n';
  }
}
export const countdown: App = fromClass(Countdown);

// Shape 3: an object whose bound method is the app (it keeps state between requests).
export class Visits {
  private count = 0;

  handle(environ: Environ, startResponse: StartResponse): Body {
    this.count++;
    return new Response(`visit number ${this.count}\n`)(environ, startResponse);
  }
}
export const visits = new Visits();
export const visitsApp: App = visits.handle.bind(visits);

// Request → Response: handler() gives the function a Request and sends what it returns.
export const greet: App = handler((request) => {
  const name = request.query.get('name') ?? request.cookies.name ?? 'stranger';
  // html`` escapes `name`: ?name=<script>… is shown, never run
  return Response.html(html`<!doctype html><h1>Hello, ${name}!</h1>`).setCookie('name', name, {
    maxAge: 3600,
  });
});

export const echo: App = handler(async (request) => {
  if (request.method !== 'POST') throw new MethodNotAllowed(['POST']);
  return Response.json({ youSent: await request.json() });
});

export const upload: App = handler(async (request) => {
  if (request.method !== 'POST') throw new MethodNotAllowed(['POST']);
  const form = await request.form({ limit: 5 * 1024 * 1024 });
  const file = form.get('file');
  if (!(file instanceof File)) {
    return Response.json({ error: 'send a file in the "file" field' }, { status: 422 });
  }
  return Response.json({ name: file.name, type: file.type, size: file.size });
});

// A Map, not an object literal: a path like /__proto__ must not find Object.prototype.
const routes = new Map<string, App>([
  ['/', hello],
  ['/countdown', countdown],
  ['/visits', visitsApp],
  ['/greet', greet],
  ['/echo', echo],
  ['/upload', upload],
]);

/** All of the above under one app, dispatched by path (the router package does this properly). */
export const app: App = (environ, startResponse) => {
  const route = routes.get(environ.PATH_INFO) ?? new NotFound(`Nothing at ${environ.PATH_INFO}`);
  return route(environ, startResponse);
};
