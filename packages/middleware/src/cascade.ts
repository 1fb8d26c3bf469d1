import {
  type App,
  andThen,
  type Body,
  type Captured,
  capture,
  carryBodyRead,
  type Environ,
  send,
} from '@tsgi/core';

/** Options of {@link cascade}, given as its last argument. */
export interface CascadeOptions {
  /** The statuses that mean "not mine, try the next app". Default `[404, 405]`. */
  catch?: readonly number[];
}

const CLAIMED = 'The request body was already read by an earlier app of the cascade';

/**
 * Tries apps in turn, as `Rack::Cascade` does: the first response whose status is not one of
 * `catch` (404 and 405 by default) is the answer; the last app's response is sent whatever it
 * is. A losing response's body is closed and never sent; each app gets its own copy of the
 * environ, so one cannot change what the next sees.
 *
 * The request body can be read once: it is offered to the first app that reads it. An app
 * after that one that reads it too gets an error (a 500 unless it catches it), since the
 * bytes are gone: put apps that read bodies last, or make them answer what they read. A body
 * a middleware outside already read whole (`csrf()`, `methodOverride()`) is kept, so every
 * app's readers (`request.form()`…) get it.
 *
 * When not to use it: when the apps own distinct prefixes, {@link urlMap} picks the right one
 * without running the others.
 * @example
 * serve(cascade(staticFiles, api, site));               // the first that is not a 404/405
 * serve(cascade(a, b, { catch: [404, 403] }));
 */
export function cascade(...args: Array<App | CascadeOptions>): App {
  const last = args[args.length - 1];
  const options: CascadeOptions =
    typeof last === 'object' && last !== null ? (args.pop() as CascadeOptions) : {};
  const apps = args as App[];
  for (const [index, app] of apps.entries()) {
    if (typeof app !== 'function')
      throw new TypeError(`cascade: argument ${index} is a ${typeof app}, not an app`);
  }
  if (apps.length === 0) throw new TypeError('cascade: no apps given');
  const statuses = options.catch ?? [404, 405];
  if (
    !Array.isArray(statuses) ||
    statuses.some((code) => !Number.isInteger(code) || code < 100 || code > 599)
  ) {
    throw new TypeError('cascade: catch must be an array of status codes');
  }
  const skip = new Set(statuses);

  return (environ, startResponse) => {
    const input = environ['tsgi.input'];
    let reader = -1;
    const inputFor = (index: number): AsyncIterable<Uint8Array> =>
      carryBodyRead(input, {
        [Symbol.asyncIterator]() {
          if (reader === -1) reader = index;
          if (reader !== index) throw new Error(CLAIMED);
          return input[Symbol.asyncIterator]();
        },
      });
    const attempt = (index: number): Body | Promise<Body> => {
      const inner: Environ = { ...environ, 'tsgi.input': apps.length === 1 ? input : inputFor(index) };
      return andThen(capture(apps[index] as App, inner), (response: Captured) => {
        if (index === apps.length - 1 || !skip.has(response.code)) return send(response, startResponse);
        const closing = response.body.close?.();
        return andThen(closing, () => attempt(index + 1));
      });
    };
    return attempt(0);
  };
}
