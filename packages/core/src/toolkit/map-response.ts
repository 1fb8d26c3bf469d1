import { isPromise } from '../body/chunk.js';
import { isHTTPError } from '../errors.js';
import type { App, Body, Environ, Middleware, StartResponse } from '../types.js';
import { closeBody } from './body.js';
import { capture, send } from './capture.js';
import type { Captured } from './captured.js';

/**
 * Changes a captured response: change it in place (return nothing), or return another one
 * to answer instead (the captured body is then closed for you).
 */
export type ResponseMapper = (
  response: Captured,
  environ: Environ,
) => Captured | undefined | Promise<Captured | undefined>;

/** What an app made by {@link mapResponse} does: capture `app` once, then run `mappers`, innermost first. */
interface Chain {
  readonly app: App;
  readonly mappers: readonly ResponseMapper[];
}

/**
 * The chain behind each app `mapResponse` made, so that a `mapResponse` layer wrapped straight
 * around another joins its chain instead of capturing and re-sending what that one sent: one
 * capture and one send for the whole run of layers. Read once, when the middleware is applied.
 * Hello through 10 header-reading layers: see the count in bench/results/2026-12-01-count.md
 * ("Toolkit layers, second session" and "Third session: toolkit layers").
 */
const chains = new WeakMap<App, Chain>();

/**
 * The shape of most middleware that touch the response: capture the app's response (error
 * pages included), let `mapper` change it, send it on. Whatever happens — the mapper throws,
 * or answers with a response of its own — the app's body is closed exactly once. On a
 * synchronous app with an array body it adds no promise and no per-chunk work. Layers of it
 * stacked directly share one capture: each outer mapper sees the response the inner one left,
 * just as if it had been sent on and captured again.
 * @example
 * const poweredBy = mapResponse((response) => { response.appendHeader('X-Powered-By', 'tsgi'); });
 * serve(poweredBy(app));
 */
export function mapResponse(mapper: ResponseMapper): Middleware {
  return (app) => {
    const inner = chains.get(app);
    const chain: Chain =
      inner === undefined
        ? { app, mappers: [mapper] }
        : { app: inner.app, mappers: [...inner.mappers, mapper] };
    const mapped: App = (environ, startResponse) => {
      const captured = capture(chain.app, environ);
      // not andThen(captured, closure): no closure made per request on the synchronous path
      if (isPromise<Captured>(captured)) {
        return Promise.resolve(captured).then((response) =>
          mapFrom(chain.mappers, 0, response, environ, startResponse),
        );
      }
      return mapFrom(chain.mappers, 0, captured, environ, startResponse);
    };
    chains.set(mapped, chain);
    return mapped;
  };
}

/** Runs `mappers` from `start` on `response`, then sends what is left on. */
function mapFrom(
  mappers: readonly ResponseMapper[],
  start: number,
  response: Captured,
  environ: Environ,
  startResponse: StartResponse,
): Body | Promise<Body> {
  let i = start;
  try {
    for (; i < mappers.length; i++) {
      const mapped = (mappers[i] as ResponseMapper)(response, environ);
      // a mapper that changes the response in place returns nothing: that loop stays this short
      // (one try around the run, not one per mapper; the 10 stacked layers: 1,754 → 1,406 a call)
      if (mapped === undefined) continue;
      if (isPromise<Captured | undefined>(mapped))
        return later(mappers, i, response, mapped, environ, startResponse);
      response = settle(response, mapped);
    }
  } catch (error) {
    return failed(mappers, i, response, error, environ, startResponse);
  }
  return send(response, startResponse);
}

/** Mapper `i` answered with a promise: the rest of the run goes on when it settles. */
function later(
  mappers: readonly ResponseMapper[],
  i: number,
  response: Captured,
  mapped: PromiseLike<Captured | undefined>,
  environ: Environ,
  startResponse: StartResponse,
): Promise<Body> {
  return Promise.resolve(mapped)
    .then((result) => settle(response, result))
    .then(
      (next) => mapFrom(mappers, i + 1, next, environ, startResponse),
      // a rejection, or a result settle() refused: the body is closed as for a throw
      (error: unknown) => failed(mappers, i, response, error, environ, startResponse),
    );
}

/** The response after a mapper's `result`: the body it no longer answers with is closed. */
function settle(original: Captured, result: Captured | undefined): Captured {
  if (result === undefined || result === original) return original;
  // in plain JS `(r) => r.code === 200 && r.setHeader(…)` answers false: refused, not sent
  if (typeof result !== 'object' || result === null) {
    throw new TypeError(
      `a ResponseMapper returns a Captured response or nothing (undefined), got ${result === null ? 'null' : typeof result}`,
    );
  }
  if (result.body !== original.body) void closeBody(original.body);
  return result;
}

/**
 * Mapper `i` threw: its response's body is closed. The error goes out of the last layer; an
 * inner layer's HTTPError becomes, for the layers outside it, the page it renders to (what
 * their own capture would have made of it), and anything else propagates.
 */
function failed(
  mappers: readonly ResponseMapper[],
  i: number,
  response: Captured,
  error: unknown,
  environ: Environ,
  startResponse: StartResponse,
): Body | Promise<Body> {
  void closeBody(response.body);
  if (i === mappers.length - 1 || !isHTTPError(error)) throw error;
  const page = capture(error, environ);
  if (isPromise<Captured>(page))
    return Promise.resolve(page).then((next) => mapFrom(mappers, i + 1, next, environ, startResponse));
  return mapFrom(mappers, i + 1, page, environ, startResponse);
}
