// The Redis store: shared by any number of relay processes; invariants kept by Lua scripts.
import { Redis } from 'ioredis';
import { sameLimiterPerName } from '../limiter.js';
import type { Store } from '../types.js';
import { redisAccounts } from './accounts.js';
import { redisCollected } from './collected.js';
import { createCtx } from './ctx.js';
import { redisDevices } from './devices.js';
import { redisLimiter } from './limiter.js';
import { redisQueue } from './queue.js';
import { redisRegistrations } from './registrations.js';
import { migrate } from './schema.js';
import { redisSessions } from './sessions.js';
import { redisTokens } from './tokens.js';

/*
 * Key layout, schema 2 (P = `<base>:v1:`, base `xpr` by default; the `v1` stayed when schema 2
 * came, see schema.ts); ids come from INCR counters:
 *   <base>:schema                 string  schema version (see schema.ts); <base>:schema:lock while migrating
 *   P seq:{account,device,token,job}  string  id counters
 *   P account:<id>                hash    username, email, passwordHash, createdAt
 *   P account:<id>:{keys,devices,tokens}  set  its API key hashes, device ids, token ids
 *   P accounts:by-name            hash    username → account id
 *   P apikey:<hash>               hash    account, createdAt
 *   P device:<id>                 hash    owner, provider, deviceId, deviceToken, name, active,
 *                                         app, environment, voip ('1'; the three are optional),
 *                                         stats, lastDueAt, waiting (its unclaimed job)
 *   P device:<id>:{tokens,jobs}   set     its device-scoped token ids, job ids
 *   P device:<id>:regs            set     nodes of the registrations targeting it
 *   P devices:by-key              hash    `owner:provider:deviceId` → device id
 *   P token:<id>                  hash    hash, owner, scope, device (scope device only), name,
 *                                         createdAt, expiresAt
 *   P token:<id>:regs             set     nodes of the registrations targeting it
 *   P token:<id>:collected        set     jids whose collected `local` token it is
 *   P tokens:by-hash              hash    token hash → token id
 *   P reg:<node>                  hash    jid, muc ('' for none), provider, deviceId, secretHash,
 *                                         createdAt, kind and the target's fields: device (id) |
 *                                         token (id) | relay + token (the other relay's token)
 *   P regs:jid:<jid>              zset    the jid's nodes by createdAt
 *   P regs:dev:<jid>:<provider>:<deviceId>  hash  muc ('' for none) → node
 *   P collected:<jid>             zset    relays of the jid's collected tokens by createdAt
 *   P collected:<jid>:tokens      hash    relay → token id (`local`) or the other relay's token
 *   P job:<id>                    hash    device, payload, priority, attempts, createdAt
 *   P queue:due                   zset    job id → due time (waiting) or lease end (claimed)
 *   P queue:created               zset    job id → createdAt (oldest for stats)
 *   P session:<id>                string  an ad-hoc command session (JSON), expiring (PX)
 *   P sessions:owner:<bare jid>   zset    the owner's session ids by expiry
 *   P limit:<name>:<key>          string  rate-limiter-flexible counters
 *   P migrate:own-tokens          set     while migration 2 runs: token ids to drop at its end
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
    // The commands of one tick go out in one write and come back in one round trip: under load
    // the many enqueues, claims and completions of a tick cost one round trip, not one each.
    enableAutoPipelining: true,
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
    collected: redisCollected(ctx),
    devices: redisDevices(ctx),
    tokens: redisTokens(ctx),
    queue: redisQueue(ctx),
    sessions: redisSessions(ctx),
    limiter: sameLimiterPerName((o) => redisLimiter(redis, prefix, o)),
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
