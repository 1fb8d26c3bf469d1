// @tsgi/core: the contract, its servers, the app-author API and the validator. Named exports
// only, so that what is public is decided here. Subpaths: `@tsgi/core/http` (the HTTP pieces
// middleware shares: negotiation, hop-by-hop headers, status lines, error pages) and
// `@tsgi/core/testing` (the test client).

// adapters: foreign apps in, tsgi app out
export { type FetchHandler, fromFetch } from './adapters/fetch.js';
export { fromNode, type NodeListener } from './adapters/node/from-node.js';
// for app authors
export { callable } from './app/callable.js';
export { currentEnviron, currentRequest, requestContext } from './app/context.js';
export { escapeHtml } from './app/escape.js';
export { type AppClass, fromClass, type HandlerResult, handler } from './app/handler.js';
export { type HtmlValue, html, isSafeHtml, raw, SafeHtml } from './app/html.js';
export { Request, RequestHeaders } from './app/request.js';
export { type CookieOptions, Response, type ResponseBody, type ResponseInit } from './app/response.js';
export { type BodyOptions, DEFAULT_BODY_LIMIT } from './body/read.js';
export { createEnviron, type EnvironInit, emptyInput, splitTarget, stderrErrors } from './environ.js';
export {
  BadGateway,
  BadRequest,
  Conflict,
  ContentTooLarge,
  Forbidden,
  GatewayTimeout,
  HTTPError,
  type HTTPErrorOptions,
  InternalServerError,
  isHTTPError,
  MethodNotAllowed,
  NotFound,
  PreconditionFailed,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnprocessableContent,
  UnsupportedMediaType,
} from './errors.js';
export { ContractError } from './response-checks.js';
export { type ResponseSink, runApp } from './run-app.js';
export { type CgiOptions, runCgi } from './servers/cgi.js';
export { type ClientAddress, type ToFetchOptions, type TsgiFetchHandler, toFetch } from './servers/fetch.js';
// servers: real HTTP in, environ out
export type { AccessLogOption } from './servers/node/access-log.js';
export type { ClusterOptions, PrimaryHandle } from './servers/node/cluster-options.js';
export { type ListenerOptions, toNodeListener } from './servers/node/listener.js';
export {
  type ClusterServeOptions,
  type ServeOptions,
  type ServerHandle,
  serve,
} from './servers/node/serve.js';
// the middleware toolkit
export {
  andThen,
  type BodyOutcome,
  BUFFERED_BY_DESIGN,
  type Buffered,
  bodyWithin,
  bufferBody,
  Captured,
  capture,
  carryBodyRead,
  closeBody,
  mapChunks,
  mapResponse,
  markBuffered,
  onBodyDone,
  type ReadonlyHeaderList,
  type ResponseMapper,
  send,
  transformBody,
} from './toolkit/index.js';
// the contract and the response driver
export type {
  App,
  Body,
  Chunk,
  EarlyHints,
  Environ,
  ErrorStream,
  HeaderList,
  Middleware,
  StartResponse,
  Write,
} from './types.js';
export {
  DOT_SEGMENT_REASON,
  hasDotSegment,
  matchesMountPrefix,
  mountedEnviron,
  moveToScriptName,
  normalizeMountPrefix,
} from './url/mount.js';
export { encodePath, rawPathInfo, rawScriptName } from './url/raw-path.js';
export { applicationUri, type RequestUriOptions, requestUri, shiftPath } from './url/reconstruct.js';
// the validator
export {
  finishValidation,
  RULES,
  type Rule,
  type ValidateOptions,
  ValidationError,
  validate,
} from './validate/index.js';
