import { randomUUID } from 'node:crypto';
import { type Environ, type Middleware, mapResponse } from '@tsgi/core';

/** Options of {@link requestId}. */
export interface RequestIdOptions {
  /** The request and response header. Default `X-Request-Id`. */
  header?: string;
  /** Makes a new id. Default `crypto.randomUUID`. */
  generate?: () => string;
  /** Keep a well-formed incoming id (from a proxy that set one). Default true. */
  trustIncoming?: boolean;
}

const ID_KEY = 'request.id';
// What an incoming id may be: short, and nothing a log line or a header could be forged with
const WELL_FORMED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The id {@link requestId} gave this request, or undefined outside it.
 * @example getRequestId(environ) // 'c0a8012e-…'
 */
export function getRequestId(environ: Environ): string | undefined {
  const id = environ[ID_KEY];
  return typeof id === 'string' ? id : undefined;
}

/**
 * Gives each request an id: a well-formed incoming `X-Request-Id` (1–128 characters of
 * `A-Z a-z 0-9 . _ : @ / + = -`, so no CR/LF, spaces or quotes reach a log line or a header)
 * is kept, anything else is replaced by a fresh UUID. The id is set on the response, in the
 * environ's header (so a proxy below forwards it) and under `request.id`: read it with
 * {@link getRequestId}. Defaults: `header: 'X-Request-Id'`, `generate: randomUUID`,
 * `trustIncoming: true`.
 *
 * When not to use it: `trustIncoming` lets clients choose ids; where ids must be unique or
 * unguessable (audit logs), turn it off, or trust only a proxy that overwrites the header.
 * @example
 * serve(requestId()(app));           // the app logs getRequestId(environ)
 */
export function requestId(options: RequestIdOptions = {}): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('requestId: options must be an object');
  const header = options.header ?? 'X-Request-Id';
  if (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header)) {
    throw new TypeError(`requestId: header must be a header name, got ${String(header)}`);
  }
  const generate = options.generate ?? randomUUID;
  if (typeof generate !== 'function') throw new TypeError('requestId: generate must be a function');
  // randomUUID's ids are always 36 characters of hex and dashes: only a custom generator is checked
  const checkGenerated = generate !== randomUUID;
  const trustIncoming = options.trustIncoming ?? true;
  if (typeof trustIncoming !== 'boolean') throw new TypeError('requestId: trustIncoming must be a boolean');
  const key = `HTTP_${header.toUpperCase().replaceAll('-', '_')}` as const;
  const setHeader = mapResponse((response, environ) => {
    response.setHeader(header, getRequestId(environ) as string);
  });
  return (app) => {
    const inner = setHeader(app);
    return (environ, startResponse) => {
      const incoming = environ[key];
      let id =
        trustIncoming && typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : undefined;
      if (id === undefined) {
        id = generate();
        if (checkGenerated && (typeof id !== 'string' || !WELL_FORMED.test(id))) {
          throw new TypeError(`requestId: generate() returned ${JSON.stringify(id)}, not a well-formed id`);
        }
      }
      environ[ID_KEY] = id;
      environ[key] = id;
      return inner(environ, startResponse);
    };
  };
}
