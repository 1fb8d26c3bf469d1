export { type AccessLogOptions, accessLog, type LogStream } from './access-log.js';
export { type BodyLimitOptions, bodyLimit } from './body-limit.js';
export { type Builder, builder } from './builder.js';
export { type CascadeOptions, cascade } from './cascade.js';
export { checkPreconditions, type Validators } from './check-preconditions.js';
export { compose } from './compose.js';
export { type CompressOptions, compress, type Encoding, hasZstd } from './compress.js';
export { conditionalGet } from './conditional-get.js';
export { contentLength } from './content-length.js';
export {
  type CookieAttributes,
  type CookieJar,
  deleteCookie,
  getCookies,
  MAX_SET_COOKIE_BYTES,
  MIN_KEY_BYTES,
  parseCookieHeader,
  type SetCookieOptions,
  type SignedCookiesOptions,
  type SigningKeys,
  serializeCookie,
  setCookie,
  sign,
  signedCookies,
  signingKeys,
  type Verified,
  verify,
} from './cookies.js';
export { type CsrfOptions, csrf, csrfToken } from './csrf.js';
export { type DecompressOptions, decompress } from './decompress.js';
export { type ErrorsOptions, errors } from './errors.js';
export { type EtagOptions, etag } from './etag.js';
export { type FlashMessage, flash, takeFlashes } from './flash.js';
export {
  type ForwardedElement,
  ForwardedSyntaxError,
  formatForwarded,
  forwardedAddress,
  parseForwarded,
} from './forwarded.js';
export { head } from './head.js';
export { type MethodOverrideOptions, methodOverride, originalMethod } from './method-override.js';
export {
  type ForwardHeaderOptions,
  forwardedElement,
  type HealthCheckOptions,
  type PassiveHealthOptions,
  type ProxyApp,
  type ProxyOptions,
  type ProxyTimeoutOptions,
  proxy,
  type Strategy,
  type UpstreamInfo,
  type UpstreamOption,
} from './proxy/index.js';
export {
  type ProxyHeadersOptions,
  type ProxyOriginal,
  proxyHeaders,
  proxyOriginal,
  type TrustedHops,
} from './proxy-headers.js';
export { getRequestId, type RequestIdOptions, requestId } from './request-id.js';
export { type Insertion, type RewriteHtmlOptions, rewriteHtml } from './rewrite-html.js';
// sessions: redisStore loads `redis` lazily, only when given a `url`
export {
  cookieStore,
  getSession,
  type Json,
  type MemoryStore,
  type MemoryStoreOptions,
  memoryStore,
  type RedisClientLike,
  type RedisStore,
  type RedisStoreOptions,
  redisStore,
  type SealedStore,
  type ServerStore,
  Session,
  type SessionChange,
  type SessionOptions,
  type SessionRecord,
  type SessionStore,
  StoreUnavailable,
  session,
} from './session/index.js';
export { type StaticOptions, serveStatic } from './static.js';
export { type TimeoutOptions, timeout } from './timeout.js';
export { type ChunkTransform, type TransformOptions, transform } from './transform.js';
export { type UrlMapEntries, urlMap } from './url-map.js';
export { type XsltOptions, xslt } from './xslt.js';
