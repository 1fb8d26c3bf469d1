import { isPromise } from '../body/chunk.js';
import type { App, Body, Environ, StartResponse } from '../types.js';
import { isSafeHtml, type SafeHtml } from './html.js';
import { Request } from './request.js';
import { Response } from './response.js';

/**
 * A class whose instances are the response body (PEP 3333's `AppClass`): it is constructed
 * once per request with `(environ, startResponse)`, and iterating the instance yields the
 * chunks. A `close()` method is called when the response ends.
 */
export type AppClass = new (environ: Environ, startResponse: StartResponse) => Body;

/**
 * Makes an app of a class whose instances are iterable, the second app shape of PEP 3333
 * (TypeScript classes need `new`, so they cannot be called as the app directly).
 * The third shape, an object whose method is the app, needs no helper: pass
 * `greeter.handle.bind(greeter)`, or declare the method as an arrow-function field.
 * @example
 * class Hello {
 *   constructor(private environ: Environ, private startResponse: StartResponse) {}
 *   *[Symbol.iterator]() {
 *     this.startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *     yield `Hello ${this.environ.PATH_INFO}`;
 *   }
 * }
 * serve(fromClass(Hello), { port: 8000 });
 */
export function fromClass(Ctor: AppClass): App {
  return (environ, startResponse) => new Ctor(environ, startResponse);
}

/** What a {@link handler} function may return: a Response (or any app, such as an HTTPError), text, or html``. */
export type HandlerResult = Response | App | string | SafeHtml;

function toApp(result: HandlerResult): App {
  if (typeof result === 'function') return result;
  if (typeof result === 'string') return new Response(result);
  if (isSafeHtml(result)) return new Response(result);
  throw new TypeError(
    `handler(): the function returned ${typeof result}; return a Response, an app, a string or html\`\``,
  );
}

/**
 * Makes an app of a function from {@link Request} to {@link Response} — the shape most
 * handlers want: no environ, no startResponse. A string is sent as text, html`` as HTML,
 * and any app (an `HTTPError`, another app to delegate to) is run; throwing an `HTTPError`
 * answers with it. A synchronous function keeps the server's synchronous fast path.
 * @example
 * const echo = handler(async (request) => Response.json(await request.json()));
 * const hello = handler((request) => `Hello, ${request.query.get('name') ?? 'world'}`);
 */
export function handler(fn: (request: Request) => HandlerResult | Promise<HandlerResult>): App {
  return (environ, startResponse) => {
    const result = fn(Request.of(environ));
    if (isPromise<HandlerResult>(result)) return result.then((r) => toApp(r)(environ, startResponse));
    return toApp(result)(environ, startResponse);
  };
}
