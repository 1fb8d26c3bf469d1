/**
 * The tsgi contract: the few types that servers, apps and middleware agree on.
 * See SPEC.md for the rules behind each one.
 */

/** One piece of a response body. A string stands for its UTF-8 bytes. */
export type Chunk = Uint8Array | string;

/**
 * What an app returns: chunks, pulled by the server one at a time.
 * An array of chunks has a length known up front (the server sends `Content-Length`);
 * a generator or async generator streams. `close()`, when present, is called exactly once.
 */
export type Body = (Iterable<Chunk> | AsyncIterable<Chunk>) & {
  close?(): void | Promise<void>;
};

/** Response headers in order, as `[name, value]` pairs; a name may repeat (`Set-Cookie`). */
export type HeaderList = Array<[name: string, value: string]>;

/**
 * The legacy imperative output of PEP 3333, returned by `startResponse`.
 * It returns a promise only when the socket is full: await it to respect backpressure.
 */
export type Write = (chunk: Chunk) => void | Promise<void>;

/**
 * Begins the response. `status` is `"NNN Reason"`. Pass `error` (the caught error) to replace
 * headers that were set but not yet sent; once headers went out, a call with `error` re-throws it.
 */
export type StartResponse = (status: string, headers: HeaderList, error?: unknown) => Write;

/** A tsgi application: one request in, one iterable body out. */
export type App = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>;

/** A function from app to app: it may rewrite the request on the way in and the response on the way out. */
export type Middleware = (app: App) => App;

/** Where an app writes diagnostics (`tsgi.errors`), like a server's error log. */
export interface ErrorStream {
  write(message: string): void;
}

/** Sends an informational `103 Early Hints` response carrying these `Link` header values. */
export type EarlyHints = (links: string[]) => void;

/**
 * The request, as a plain object of CGI keys and `tsgi.*` keys (PEP 3333's environ).
 * Keys added by packages carry the package's prefix (`router.params`), and are read
 * through the accessor that package exports.
 */
export interface Environ {
  /** `GET`, `POST`, … as sent (methods are case-sensitive). */
  REQUEST_METHOD: string;
  /** The mount point of the app: `''` at the root, else starts with `/` and does not end with one. */
  SCRIPT_NAME: string;
  /** The rest of the path after SCRIPT_NAME, percent-decoded as UTF-8; `''` or starts with `/`. */
  PATH_INFO: string;
  /** The query string as received, without `?`, not decoded; `''` when absent. */
  QUERY_STRING: string;
  /** Present only when the request has a `Content-Type` header. */
  CONTENT_TYPE?: string;
  /** Present only when the request has a `Content-Length` header; decimal digits. */
  CONTENT_LENGTH?: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  /** `HTTP/1.1`, `HTTP/1.0`, … */
  SERVER_PROTOCOL: string;
  REMOTE_ADDR: string;
  REMOTE_PORT: string;
  'tsgi.version': readonly [1, 0];
  'tsgi.url_scheme': 'http' | 'https';
  /** Exactly the request body, never more than CONTENT_LENGTH. Read it once. */
  'tsgi.input': AsyncIterable<Uint8Array>;
  'tsgi.errors': ErrorStream;
  'tsgi.multithread': boolean;
  'tsgi.multiprocess': boolean;
  'tsgi.run_once': boolean;
  /** The request-target exactly as received (path and query, still percent-encoded). */
  'tsgi.raw_uri': string;
  /**
   * Aborts when the client goes away (its connection closes), so an app can stop work.
   * Shared by the requests of one keep-alive connection.
   */
  'tsgi.signal': AbortSignal;
  /**
   * Sends a 103 with `Link` headers: call it before `startResponse`. A no-op once a response
   * went out, for HTTP/1.0 clients, and where the server cannot.
   */
  'tsgi.early_hints': EarlyHints;
  /** Every other request header: `HTTP_USER_AGENT`, `HTTP_X_REQUEST_ID`, … */
  [header: `HTTP_${string}`]: string | undefined;
  /** Keys that servers and middleware add, each under its own prefix. */
  [key: string]: unknown;
}
