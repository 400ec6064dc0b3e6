// Opens the configured store: Redis when a redis:// URL is given, else SQLite in a folder.
import { openRedisStore } from './redis/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export async function openStore(o: {
  path: string;
  url?: string;
  /** Redis connection trouble (the SQLite store has none to report). */
  onError?: (err: Error) => void;
}): Promise<Store> {
  if (o.url === undefined || o.url === '') return openSqliteStore(o.path);
  // The URL may hold a password: it never goes into an error message.
  if (!/^rediss?:\/\//i.test(o.url)) {
    throw new Error('store url must start with redis:// or rediss://');
  }
  return openRedisStore(o.url, { onError: o.onError });
}
