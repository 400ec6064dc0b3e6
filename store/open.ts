// Opens the configured store: Redis when a redis:// URL or sentinels are given, else SQLite in a
// folder.
import { openRedisStore } from './redis/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export async function openStore(o: {
  path: string;
  url?: string;
  /** Redis Sentinel instead of `url`: `host:port` of each sentinel. */
  sentinels?: string[];
  sentinel_name?: string;
  password?: string;
  sentinel_password?: string;
  min_replicas?: number;
  min_replicas_timeout_ms?: number;
  /** Redis connection trouble (the SQLite store has none to report). */
  onError?: (err: Error) => void;
}): Promise<Store> {
  const redisOptions = {
    onError: o.onError,
    minReplicas: o.min_replicas,
    minReplicasTimeoutMs: o.min_replicas_timeout_ms,
  };
  if (o.sentinels && o.sentinels.length > 0) {
    const sentinels = o.sentinels.map((s) => {
      const colon = s.lastIndexOf(':');
      return { host: s.slice(0, colon), port: Number(s.slice(colon + 1)) };
    });
    const target = {
      sentinels,
      name: o.sentinel_name ?? 'mymaster',
      password: o.password,
      sentinelPassword: o.sentinel_password,
    };
    return openRedisStore(target, redisOptions);
  }
  if (o.url === undefined || o.url === '') return openSqliteStore(o.path);
  // The URL may hold a password: it never goes into an error message.
  if (!/^rediss?:\/\//i.test(o.url)) {
    throw new Error('store url must start with redis:// or rediss://');
  }
  return openRedisStore(o.url, redisOptions);
}
