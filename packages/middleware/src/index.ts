export { compose } from './compose.js';
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
export { type FlashMessage, flash, takeFlashes } from './flash.js';
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
