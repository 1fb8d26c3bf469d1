/** One guestbook entry. */
export interface Entry {
  readonly id: string;
  readonly author: string;
  readonly text: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/**
 * Where the site keeps its users and entries. In memory by default (one process); with
 * `REDIS_URL`, in Redis, so that several workers share them as they share sessions.
 */
export interface Storage {
  /** Adds a user; false when the name is taken. */
  addUser(name: string, hash: string): Promise<boolean>;
  userHash(name: string): Promise<string | undefined>;
  addEntry(entry: Entry): Promise<void>;
  /** The newest entries first. */
  entries(limit: number): Promise<Entry[]>;
  /** Removes an entry of this author; false when there is none. */
  removeEntry(id: string, author: string): Promise<boolean>;
}

/** The default storage: two Maps, for one process. */
export function memoryStorage(): Storage {
  const users = new Map<string, string>();
  const entries: Entry[] = [];
  return {
    async addUser(name, hash) {
      if (users.has(name)) return false;
      users.set(name, hash);
      return true;
    },
    async userHash(name) {
      return users.get(name);
    },
    async addEntry(entry) {
      entries.unshift(entry);
      if (entries.length > 1000) entries.length = 1000;
    },
    async entries(limit) {
      return entries.slice(0, limit);
    },
    async removeEntry(id, author) {
      const index = entries.findIndex((entry) => entry.id === id && entry.author === author);
      if (index === -1) return false;
      entries.splice(index, 1);
      return true;
    },
  };
}

/** The subset of a node-redis client this storage uses. */
export interface RedisLike {
  hSetNX(key: string, field: string, value: string): Promise<number | boolean>;
  hGet(key: string, field: string): Promise<string | null | undefined>;
  lPush(key: string, value: string): Promise<number>;
  lTrim(key: string, start: number, stop: number): Promise<string>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
  lRem(key: string, count: number, value: string): Promise<number>;
}

/** Users and entries in Redis, under `prefix`: shared by every worker and machine. */
export function redisStorage(client: RedisLike, prefix = 'site:'): Storage {
  const usersKey = `${prefix}users`;
  const entriesKey = `${prefix}entries`;
  return {
    async addUser(name, hash) {
      return Number(await client.hSetNX(usersKey, name, hash)) === 1;
    },
    async userHash(name) {
      return (await client.hGet(usersKey, name)) ?? undefined;
    },
    async addEntry(entry) {
      await client.lPush(entriesKey, JSON.stringify(entry));
      await client.lTrim(entriesKey, 0, 999);
    },
    async entries(limit) {
      return (await client.lRange(entriesKey, 0, limit - 1)).map((item) => JSON.parse(item) as Entry);
    },
    async removeEntry(id, author) {
      for (const item of await client.lRange(entriesKey, 0, -1)) {
        const entry = JSON.parse(item) as Entry;
        if (entry.id === id && entry.author === author) return (await client.lRem(entriesKey, 1, item)) > 0;
      }
      return false;
    },
  };
}
