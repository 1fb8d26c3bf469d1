import { isPromise } from '../body/chunk.js';
import type { Environ, Middleware } from '../types.js';
import { closeBody } from './body.js';
import { andThen, capture, send } from './capture.js';
import type { Captured } from './captured.js';

/**
 * Changes a captured response: change it in place (return nothing), or return another one
 * to answer instead (the captured body is then closed for you).
 */
export type ResponseMapper = (
  response: Captured,
  environ: Environ,
) => Captured | undefined | Promise<Captured | undefined>;

/**
 * The shape of most middleware that touch the response: capture the app's response (error
 * pages included), let `mapper` change it, send it on. Whatever happens — the mapper throws,
 * or answers with a response of its own — the app's body is closed exactly once. On a
 * synchronous app with an array body it adds no promise and no per-chunk work.
 * @example
 * const poweredBy = mapResponse((response) => { response.appendHeader('X-Powered-By', 'tsgi'); });
 * serve(poweredBy(app));
 */
export function mapResponse(mapper: ResponseMapper): Middleware {
  return (app) => (environ, startResponse) =>
    andThen(capture(app, environ), (response) => {
      let mapped: Captured | undefined | Promise<Captured | undefined>;
      try {
        mapped = mapper(response, environ);
      } catch (error) {
        return abandon(response, error);
      }
      if (isPromise<Captured | undefined>(mapped)) {
        return Promise.resolve(mapped).then(
          (result) => send(settle(response, result), startResponse),
          (error: unknown) => abandon(response, error),
        );
      }
      return send(settle(response, mapped), startResponse);
    });
}

function settle(original: Captured, result: Captured | undefined): Captured {
  if (result !== undefined && result !== original && result.body !== original.body)
    void closeBody(original.body);
  return result ?? original;
}

function abandon(response: Captured, error: unknown): never {
  void closeBody(response.body);
  throw error;
}
