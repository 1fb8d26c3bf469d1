import { type App, isHTTPError, shiftPath } from '@tsgi/core';
import { request, type TestResponse } from '@tsgi/core/testing';
import { routeParams } from '@tsgi/router';

/** What an app answered, collected. */
export interface Reply {
  status: number;
  body: string;
  /** A header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
}

export interface CallOptions {
  /** Request headers, as `[name, value]` pairs. */
  headers?: Array<[string, string]>;
  /** Resolve with the response of a thrown HTTPError, as a server sends it. Default: reject with the error. */
  render?: boolean;
}

/**
 * Runs `app` for one request through the test client: the environ a server builds, the
 * server's handling of the response, and the contract validator on the router.
 * A thrown HTTPError rejects (so a test can check its class), unless `render`.
 */
export async function call(
  app: App,
  method: string,
  target: string,
  options: CallOptions = {},
): Promise<Reply> {
  const response: TestResponse = await request(app, { method, url: target, headers: options.headers ?? [] });
  if (!options.render && isHTTPError(response.error)) throw response.error;
  return {
    status: response.status,
    body: response.text(),
    header: (name) => response.headers.get(name) ?? undefined,
  };
}

/** What an echo app saw of its request. */
export interface Echo {
  name: string;
  method: string;
  scriptName: string;
  pathInfo: string;
  params: Record<string, string | string[]>;
}

/**
 * An app that answers 200 telling what it saw, labelled `name`: in the body, and in an
 * `X-Echo` header (which a HEAD response keeps).
 */
export function echo(name: string): App {
  return (environ, startResponse) => {
    const seen: Echo = {
      name,
      method: environ.REQUEST_METHOD,
      scriptName: environ.SCRIPT_NAME,
      pathInfo: environ.PATH_INFO,
      params: { ...routeParams(environ) },
    };
    const json = JSON.stringify(seen);
    startResponse('200 OK', [
      ['Content-Type', 'application/json'],
      ['X-Echo', encodeURIComponent(json)],
    ]);
    return [json];
  };
}

/** Runs `app` for one request and returns what the echo app that answered saw. */
export async function seen(
  app: App,
  method: string,
  target: string,
  options: CallOptions = {},
): Promise<Echo> {
  const reply = await call(app, method, target, options);
  const header = reply.header('X-Echo');
  if (reply.status !== 200 || header === undefined) {
    throw new Error(`${method} ${target}: ${reply.status} ${reply.body}`);
  }
  return JSON.parse(decodeURIComponent(header)) as Echo;
}

/**
 * `app` mounted one segment down by plain tsgi means (`shiftPath`, as a URL map does),
 * not by a router: what a router sees under someone else's mount.
 */
export function underOneSegment(app: App): App {
  return (environ, startResponse) => {
    const inner = { ...environ };
    shiftPath(inner);
    return app(inner, startResponse);
  };
}
