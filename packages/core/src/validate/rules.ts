/**
 * Every rule `validate()` enforces, by id, in plain words. SPEC.md lists the same ids
 * with the reason behind each; a test keeps the two in step.
 */
export const RULES = {
  // The environ a server built
  'environ-type': 'the environ must be a plain object',
  'environ-missing-key': 'the environ lacks a required key',
  'cgi-value-type':
    'a key without a dot is a CGI variable and must hold a string (packages add keys with a prefix: `router.params`)',
  'tsgi-key-unknown':
    'the `tsgi.` prefix is reserved for the keys SPEC.md defines; a package uses its own prefix',
  'http-key-format': 'an HTTP_* key must be HTTP_ followed by A-Z, 0-9 and _ only',
  'http-value-chars': 'an HTTP_* value must not contain CR, LF or NUL',
  'http-content-type': 'the Content-Type header belongs in CONTENT_TYPE, never in HTTP_CONTENT_TYPE',
  'http-content-length': 'the Content-Length header belongs in CONTENT_LENGTH, never in HTTP_CONTENT_LENGTH',
  'http-host-missing': 'an HTTP/1.1 request must carry Host (HTTP_HOST); the server should have answered 400',
  'request-method-token': 'REQUEST_METHOD must be a non-empty token (RFC 9110)',
  'script-name-format': "SCRIPT_NAME must be '' or start with '/'",
  'script-name-trailing-slash':
    "SCRIPT_NAME must not end with '/' (the root is '', and the slash belongs to PATH_INFO)",
  'path-info-format': "PATH_INFO must be '' or start with '/'",
  'path-empty': "SCRIPT_NAME and PATH_INFO must not both be empty (at the root, PATH_INFO is at least '/')",
  'path-wellformed': 'SCRIPT_NAME and PATH_INFO must be well-formed Unicode (no lone surrogates)',
  'query-string-format': 'QUERY_STRING must be raw (not decoded): no #, spaces or control characters',
  'environ-content-length': 'CONTENT_LENGTH, when present, must be decimal digits',
  'server-name-empty': 'SERVER_NAME must not be empty',
  'server-port-format': 'SERVER_PORT must be decimal digits',
  'server-protocol-format': 'SERVER_PROTOCOL must look like HTTP/1.1',
  'tsgi-version': 'tsgi.version must be [1, 0]',
  'url-scheme': "tsgi.url_scheme must be 'http' or 'https'",
  'input-type': 'tsgi.input must be an AsyncIterable<Uint8Array>',
  'errors-type': 'tsgi.errors must have a write(message) method',
  'flag-type': 'tsgi.multithread, tsgi.multiprocess and tsgi.run_once must be booleans',
  'raw-uri-format':
    'tsgi.raw_uri must be the request-target as received: a path starting with /, an absolute URL, or *',
  'signal-type': 'tsgi.signal must be an AbortSignal',
  'early-hints-type': 'tsgi.early_hints must be a function',
  'start-response-type': 'the server must pass startResponse as a function',
  'write-type': 'startResponse must return the write() function',

  // Reading the request
  'input-read-twice': 'tsgi.input is a stream: iterate it once',
  'input-chunk-type': 'tsgi.input must yield Uint8Array chunks',
  'input-too-long': 'tsgi.input yielded more bytes than CONTENT_LENGTH',
  'input-too-short':
    'tsgi.input ended before CONTENT_LENGTH bytes (a client that went away must make it throw, not end)',
  'input-after-response': 'tsgi.input was read after the response was closed',
  'errors-write-type': 'tsgi.errors.write() takes a string',
  'early-hints-args': 'tsgi.early_hints() takes an array of Link values: strings without CR, LF or NUL',
  'early-hints-late': 'tsgi.early_hints() must be called before startResponse',

  // What the app returns
  'app-type': 'validate() wraps an app: a function (environ, startResponse) => body',
  'body-type': 'the app must return an Iterable or an AsyncIterable of chunks (or a promise of one)',
  'body-string': 'the app returned a bare string, which iterates by character: return [text]',
  'body-bytes': 'the app returned bare bytes, which iterate as numbers: return [bytes]',
  'body-fetch-response':
    "the app returned a global fetch Response: this is the global fetch Response; use toFetch/fromFetch, or tsgi's Response",
  'body-close-type': "the body's close, when present, must be a function",
  'body-reused': 'a one-shot body (an iterator, a generator) was returned a second time',
  'iterator-type': "the body's iterator must have a next() method",
  'iterator-result': "the body iterator's next() must return an object { done, value }",

  // startResponse
  'start-response-arity': 'startResponse takes (status, headers) or (status, headers, error)',
  'status-type': 'the status must be a string',
  'status-format': "the status must be 'NNN Reason': three digits, a space and a reason phrase",
  'status-code-range': 'the status code must be between 100 and 599',
  'status-informational': 'a 1xx status is not a final response (send a 103 with tsgi.early_hints)',
  'status-reason-chars': 'the reason phrase may hold only tabs, spaces, visible ASCII and Latin-1 characters',
  'headers-type': 'the headers must be an Array of [name, value] pairs',
  'header-pair': 'each header must be an array of exactly two elements, [name, value]',
  'header-name-type': 'a header name must be a string',
  'header-value-type': 'a header value must be a string',
  'header-name-token': "a header name must be a token: letters, digits and !#$%&'*+-.^_`|~",
  'header-value-newline': 'a header value must not contain CR, LF or NUL (header injection)',
  'header-value-chars': 'a header value may hold only tabs, spaces, visible ASCII and Latin-1 characters',
  'header-status': 'there is no Status header: the status is the first argument of startResponse',
  'header-hop-by-hop':
    'hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, Upgrade, TE, Trailer, Proxy-*) belong to the server',
  'content-type-bodyless': 'a 204, 205 or 304 response has no Content-Type',
  'content-length-bodyless': 'a 204 response has no Content-Length',
  'content-length-format': 'Content-Length must be decimal digits',
  'content-length-duplicate': 'a response has at most one Content-Length header',
  'start-response-twice': 'startResponse was called a second time without an error',
  'start-response-after-close': 'startResponse was called after the body was closed',
  'headers-mutated': 'the header list was changed after it was passed to startResponse',

  // The body
  'start-response-late': 'the body yielded bytes before startResponse was called',
  'start-response-never': 'the body ended without startResponse having been called',
  'chunk-type': 'a body chunk must be a Uint8Array or a string',
  'content-type-missing': 'a response with body bytes needs a Content-Type',
  'body-for-bodyless-status': 'a 204, 205 or 304 response must not have body bytes',
  'content-length-exceeded': 'the body is longer than its Content-Length',
  'content-length-short': 'the body ended before its Content-Length',
  'write-chunk-type': 'write() takes a Uint8Array or a string',
  'write-after-end': 'write() was called after the body finished',
  'write-ignored-backpressure':
    'write() was called again before the promise of the previous write() resolved',
  'iterate-after-close': 'a chunk was pulled from the body after close()',
  'next-concurrent': 'a chunk was pulled before the previous pull resolved (pull one at a time)',
  'close-twice': 'close() was called twice on a body',
  'close-not-called': 'the body was never closed (whoever consumes a body calls its close(), middleware too)',
  'iterator-not-returned': "iteration stopped early without calling the iterator's return()",
  'middleware-buffers':
    'a middleware pulled another chunk from the app it wraps before yielding one: it must stream, yielding at least once per chunk it receives',
} as const;

/** The id of a rule, like `'status-format'`. */
export type Rule = keyof typeof RULES;

/**
 * Thrown by `validate()` when a server, an app or a middleware breaks the tsgi contract.
 * `rule` is the id of the rule broken (see SPEC.md); the message says it in plain words.
 * @example
 * try { await request(validate(app)); } catch (e) { if (e instanceof ValidationError) console.log(e.rule); }
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly rule: Rule;

  constructor(rule: Rule, detail?: string) {
    super(`tsgi validate [${rule}]: ${RULES[rule]}${detail === undefined ? '' : ` (${detail})`}`);
    this.rule = rule;
  }
}

/** A short, safe rendering of any value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${value.constructor?.name ?? 'object'}`;
}
