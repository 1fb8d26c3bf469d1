// @tsgi/middleware/session: sessions and their stores. redis-store.ts imports `redis` only
// when a store is given a `url`, so importing this subpath never loads the optional peer.
export { cookieStore } from './cookie-store.js';
export { type MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.js';
export { type RedisClientLike, type RedisStore, type RedisStoreOptions, redisStore } from './redis-store.js';
export { getSession, type SessionOptions, session } from './session.js';
export { newSessionId, Session } from './session-state.js';
export {
  type Json,
  type SealedStore,
  type ServerStore,
  type SessionChange,
  type SessionRecord,
  type SessionStore,
  StoreUnavailable,
  within,
} from './store.js';
