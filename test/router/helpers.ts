import {
  type App,
  type Body,
  createEnviron,
  type Environ,
  emptyInput,
  type HeaderList,
  isHTTPError,
} from '@tsgi/core';
import { routeParams } from '@tsgi/router';

/** What an app answered, collected. */
export interface Reply {
  status: number;
  headers: HeaderList;
  body: string;
  /** The first header of that name (case-insensitive). */
  header(name: string): string | undefined;
}

export interface CallOptions {
  /** Request headers, `[name, value, …]` as on the wire. */
  headers?: string[];
  /** Pretend an outer app mounted this one here: the prefix moves from PATH_INFO to SCRIPT_NAME. */
  mountedAt?: string;
  /** Answer a thrown HTTPError with its response, as the server does. Default: let it throw. */
  render?: boolean;
}

/** The environ a server builds for `method target` (real decoding, real `tsgi.raw_uri`). */
export function environFor(method: string, target: string, options: CallOptions = {}): Environ {
  const environ = createEnviron({
    method,
    target,
    rawHeaders: options.headers ?? [],
    input: emptyInput,
    serverName: 'test.local',
    serverPort: '80',
  });
  const mount = options.mountedAt;
  if (mount !== undefined) {
    if (!environ.PATH_INFO.startsWith(mount)) throw new Error(`${target} is not under ${mount}`);
    environ.SCRIPT_NAME = mount;
    environ.PATH_INFO = environ.PATH_INFO.slice(mount.length);
  }
  return environ;
}

/** Runs `app` for one request and collects its answer. Thrown errors reject, unless `render`. */
export async function call(
  app: App,
  method: string,
  target: string,
  options: CallOptions = {},
): Promise<Reply> {
  const environ = environFor(method, target, options);
  let status = 0;
  let headers: HeaderList = [];
  const startResponse = (line: string, list: HeaderList) => {
    status = Number(line.slice(0, 3));
    headers = list;
    return () => {};
  };
  let body: Body;
  try {
    body = await app(environ, startResponse);
  } catch (error) {
    if (!options.render || !isHTTPError(error)) throw error;
    body = error(environ, startResponse);
  }
  let text = '';
  try {
    for await (const chunk of body) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  } finally {
    await body.close?.();
  }
  return {
    status,
    headers,
    body: text,
    header: (name) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
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

/** An app that answers 200 with JSON of what it saw, labelled `name`. */
export function echo(name: string): App {
  return (environ, startResponse) => {
    const seen: Echo = {
      name,
      method: environ.REQUEST_METHOD,
      scriptName: environ.SCRIPT_NAME,
      pathInfo: environ.PATH_INFO,
      params: { ...routeParams(environ) },
    };
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(seen)];
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
  if (reply.status !== 200) throw new Error(`${method} ${target}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body) as Echo;
}
