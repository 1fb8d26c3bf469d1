export { type AppClass, fromClass, type HandlerResult, handler } from './app-shapes.js';
export { type BodyOptions, DEFAULT_BODY_LIMIT } from './body/limit.js';
export { type CgiOptions, runCgi } from './cgi.js';
export { currentEnviron, currentRequest, requestContext } from './context.js';
export { createEnviron, type EnvironInit, emptyInput, splitTarget, stderrErrors } from './environ.js';
export * from './errors.js';
export { escapeHtml } from './escape.js';
export { type FetchHandler, fromFetch } from './from-fetch.js';
export { fromNode, type NodeListener } from './from-node.js';
export { type HtmlValue, html, isSafeHtml, raw, SafeHtml } from './html.js';
export { isToken } from './http-syntax.js';
export { encodePath, rawPathInfo, rawScriptName } from './raw-path.js';
export { Request, RequestHeaders } from './request.js';
export { type CookieOptions, Response, type ResponseBody, type ResponseInit } from './response.js';
export { ContractError, type ResponseSink, runApp } from './run-app.js';
export { type ServeOptions, type ServerHandle, serve } from './server.js';
export { request, type TestRequestInit, type TestResponse } from './test-client.js';
export { type ClientAddress, type ToFetchOptions, type TsgiFetchHandler, toFetch } from './to-fetch.js';
export {
  andThen,
  type BodyOutcome,
  BUFFERED_BY_DESIGN,
  type Buffered,
  bodyWithin,
  bufferBody,
  Captured,
  capture,
  closeBody,
  mapChunks,
  mapResponse,
  markBuffered,
  onBodyDone,
  type ResponseMapper,
  send,
  transformBody,
} from './toolkit/index.js';
export type * from './types.js';
export { applicationUri, type RequestUriOptions, requestUri, shiftPath } from './util.js';
export {
  finishValidation,
  RULES,
  type Rule,
  type ValidateOptions,
  ValidationError,
  validate,
} from './validate/index.js';
