// The Redis store: shared by any number of relay processes; invariants kept by Lua scripts.
import { Redis } from 'ioredis';
import type { Store } from '../types.js';
import { redisAccounts } from './accounts.js';
import { createCtx } from './ctx.js';
import { redisDevices } from './devices.js';
import { redisLimiter } from './limiter.js';
import { redisQueue } from './queue.js';
import { redisRegistrations } from './registrations.js';
import { migrate } from './schema.js';
import { redisTokens } from './tokens.js';

/*
 * Key layout (P = `<base>:v1:`, base `xpr` by default); ids come from INCR counters:
 *   <base>:schema                 string  schema version (see schema.ts); <base>:schema:lock while migrating
 *   P seq:{account,device,token,job}  string  id counters
 *   P account:<id>                hash    username, email, passwordHash, createdAt
 *   P account:<id>:{keys,devices,tokens}  set  its API key hashes, device ids, token ids
 *   P accounts:by-name            hash    username → account id
 *   P apikey:<hash>               hash    account, createdAt
 *   P device:<id>                 hash    owner, provider, deviceId, deviceToken, name, active,
 *                                         stats, lastDueAt, waiting (its unclaimed job)
 *   P device:<id>:{tokens,jobs}   set     its token ids, job ids
 *   P devices:by-key              hash    `owner:provider:deviceId` → device id
 *   P token:<id>                  hash    hash, device, owner, scope, name, createdAt, expiresAt
 *   P tokens:by-hash              hash    token hash → token id
 *   P reg:<node>                  hash    a XEP-0357 registration
 *   P regs:jid:<jid>              zset    the jid's nodes by createdAt
 *   P job:<id>                    hash    device, payload, attempts, createdAt
 *   P queue:due                   zset    job id → due time (waiting) or lease end (claimed)
 *   P queue:created               zset    job id → createdAt (oldest for stats)
 *   P limit:<name>:<key>          string  rate-limiter-flexible counters
 */

export interface RedisStoreOptions {
  /** Base of every key (default `xpr`); data lives under `<prefix>:v1:`. */
  prefix?: string;
  /** Connection trouble (commands fail meanwhile, and ping() rejects). */
  onError?: (err: Error) => void;
}

/** Connects to Redis (`redis://` or `rediss://` URL), runs pending migrations, returns the store. */
export async function openRedisStore(url: string, opts: RedisStoreOptions = {}): Promise<Store> {
  const base = opts.prefix ?? 'xpr';
  const prefix = `${base}:v1:`;
  let opened = false;
  const redis = new Redis(url, {
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    // Opening fails at once when Redis does not answer; once open, reconnect for ever.
    retryStrategy: (times) => (opened ? Math.min(times * 50, 2000) : null),
    // How long a closing socket may linger (ioredis waits 2 s even for one already gone).
    disconnectTimeout: 500,
  });
  redis.on('error', (err: Error) => opts.onError?.(err));
  await redis.connect();
  opened = true;
  try {
    await migrate(redis, base, prefix);
  } catch (err) {
    await redis.quit().catch(() => redis.disconnect());
    throw err;
  }
  const ctx = createCtx(redis, prefix);
  return {
    accounts: redisAccounts(ctx),
    registrations: redisRegistrations(ctx),
    devices: redisDevices(ctx),
    tokens: redisTokens(ctx),
    queue: redisQueue(ctx),
    limiter: (o) => redisLimiter(redis, prefix, o),
    async ping() {
      await redis.ping();
    },
    async close() {
      if (redis.status === 'end') return;
      // While Redis is away, quit() gives up the reconnection at once.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
