import { Request as TsgiRequest } from '../app/request.js';
import { iterableStream, streamChunks } from '../body/streams.js';
import { HTTPError } from '../errors.js';
import { endToEndHeaders } from '../http/hop-by-hop.js';
import { statusLine } from '../http/status.js';
import type { App, Environ, HeaderList } from '../types.js';
import { targetWithinMount } from '../url/raw-path.js';
import { toPlainError } from './node/plain-error.js';

/** A WHATWG fetch handler: what Hono's `app.fetch`, Bun, Deno and workers call with each request. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Makes any fetch handler a tsgi app, so a Hono app (say) mounts beside tsgi apps.
 *
 * The handler sees itself at the root of its mount: the Request URL's path is the path
 * *within* the mount (`PATH_INFO`, as received), so a Hono app mounted at `/hono` routes
 * `/hono/users/1` as `/users/1`. The body streams from `tsgi.input` (read only when the
 * handler reads it), `request.signal` follows `tsgi.signal`, and the response body streams
 * out chunk by chunk; `close()` cancels it. Hop-by-hop headers are dropped both ways.
 * When reading the body fails with an HTTPError (a body over the server's limit), the handler
 * sees a plain Error with its `status`; a handler that lets it propagate answers with the
 * HTTPError (a 413 stays a 413).
 * @example
 * const hono = new Hono().get('/hi', (c) => c.text('hi'));
 * serve(router().get('/', home).mount('/hono', fromFetch(hono.fetch))); // router from @tsgi/router
 */
export function fromFetch(handler: FetchHandler): App {
  return async (environ, startResponse) => {
    const { signal, unlink } = followSignal(environ['tsgi.signal']);
    const inputFailure = new InputFailure();
    let response: Response;
    try {
      response = await handler(toRequest(environ, signal, inputFailure));
    } catch (error) {
      unlink();
      // the handler let the body's error through: answer with it (a 413 stays a 413)
      throw inputFailure.original(error);
    }
    const { status, statusText } = response;
    startResponse(statusText ? `${status} ${statusText}` : statusLine(status), responseHeaders(response));
    if (response.body === null) {
      unlink();
      return [];
    }
    // one chunk per read; close() cancels the stream
    return streamChunks(response.body, unlink);
  };
}

/**
 * A signal of the request's own that follows `parent` until `unlink()`, which also aborts it
 * when the response was cut short. `tsgi.signal` may be shared by every request of a
 * connection, and a listener left on it (undici adds one per Request) would stay until
 * garbage collection.
 */
function followSignal(parent: AbortSignal): { signal: AbortSignal; unlink: (cutShort?: boolean) => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    unlink: (cutShort = false) => {
      parent.removeEventListener('abort', onAbort);
      if (cutShort) controller.abort(new Error('The response was closed before its end'));
    },
  };
}

/**
 * What went wrong reading `tsgi.input`. The handler sees it as a plain Error carrying `status`
 * (an HTTPError is a function, which a fetch handler does not take for an error); if the handler
 * rethrows that, the original goes to the server, which answers with it.
 */
class InputFailure {
  private failure: { plain: Error; error: unknown } | undefined;

  /** The error the request body stream errors with, for `error` thrown by `tsgi.input`. */
  seen(error: unknown): Error {
    const plain = toPlainError(error);
    this.failure = { plain, error };
    return plain;
  }

  /** `error`, or the input's own error if `error` is the plain form the handler was given. */
  original(error: unknown): unknown {
    return this.failure !== undefined && error === this.failure.plain ? this.failure.error : error;
  }
}

/** The environ as a WHATWG Request whose URL is the target within the mount. */
function toRequest(environ: Environ, signal: AbortSignal, failure: InputFailure): Request {
  const method = environ.REQUEST_METHOD;
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') {
    throw new HTTPError(501, `A fetch handler cannot answer ${method}`);
  }
  const tsgiRequest = TsgiRequest.of(environ);
  // scheme and host as PEP 3333 rebuilds them (a malformed Host is a 400); concatenated, never
  // resolved, so that a path like `//evil.example/x` stays a path
  const url = `${tsgiRequest.url.origin}${targetWithinMount(environ)}`;
  // tsgi.input may hold a body without Content-Length (chunked, or a Request made in code)
  const hasBody = method !== 'GET' && method !== 'HEAD' && environ.CONTENT_LENGTH !== '0';
  const init: RequestInit & { duplex: 'half' } = {
    method,
    headers: endToEndHeaders(tsgiRequest.headers),
    body: hasBody ? iterableStream(environ['tsgi.input'], (error) => failure.seen(error)) : null,
    signal,
    // a streamed request body needs this (the handler may answer before reading it all)
    duplex: 'half',
  };
  return new Request(url, init);
}

/** The response headers as a tsgi header list: every `Set-Cookie` kept, hop-by-hop dropped. */
function responseHeaders(response: Response): HeaderList {
  const pairs: HeaderList = [];
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') pairs.push([name, value]);
  }
  for (const cookie of response.headers.getSetCookie()) pairs.push(['set-cookie', cookie]);
  return endToEndHeaders(pairs);
}
