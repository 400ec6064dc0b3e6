// The Redis store: shared by any number of relay processes; invariants kept by Lua scripts.
import { Redis, type RedisOptions } from 'ioredis';
import { sameLimiterPerName } from '../limiter.js';
import type { Store } from '../types.js';
import { redisAccounts } from './accounts.js';
import { redisCollected } from './collected.js';
import { createCtx } from './ctx.js';
import { redisDevices } from './devices.js';
import { redisLimiter } from './limiter.js';
import { redisQueue } from './queue.js';
import { redisRegistrations } from './registrations.js';
import { replicaWaiter, withReplicas } from './replicas.js';
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
  /** Replicas that must have an acknowledged write before it resolves (Redis WAIT). */
  minReplicas?: number;
  /** How long such a write waits for them before it rejects (default 1000 ms). */
  minReplicasTimeoutMs?: number;
}

/** The master that Redis Sentinel names `name`, found through `sentinels`. */
export interface SentinelTarget {
  sentinels: Array<{ host: string; port: number }>;
  name: string;
  /** Of the master and replicas. */
  password?: string;
  sentinelPassword?: string;
}

/**
 * Connects to Redis (a `redis://` or `rediss://` URL, or the master named by sentinels), runs
 * pending migrations, returns the store.
 */
export async function openRedisStore(
  target: string | SentinelTarget,
  opts: RedisStoreOptions = {},
): Promise<Store> {
  const base = opts.prefix ?? 'xpr';
  const prefix = `${base}:v1:`;
  let opened = false;
  // Opening fails at once when Redis does not answer; once open, reconnect for ever.
  const retry = (times: number) => (opened ? Math.min(times * 50, 2000) : null);
  const options: RedisOptions = {
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    retryStrategy: retry,
    // How long a closing socket may linger (ioredis waits 2 s even for one already gone).
    disconnectTimeout: 500,
    // The commands of one tick go out in one write and come back in one round trip: under load
    // the many enqueues, claims and completions of a tick cost one round trip, not one each.
    enableAutoPipelining: true,
  };
  const redis =
    typeof target === 'string'
      ? new Redis(target, options)
      : new Redis({
          ...options,
          sentinels: target.sentinels,
          name: target.name,
          password: target.password,
          sentinelPassword: target.sentinelPassword,
          sentinelRetryStrategy: retry,
          // A master demoted by a failover refuses writes: reconnect (to the new one) and resend.
          reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
          // Reconnect as soon as the sentinels announce a new master, not at the next error.
          failoverDetector: true,
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
  const store: Store = {
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
  const replicas = opts.minReplicas ?? 0;
  if (replicas === 0) return store;
  return withReplicas(store, replicaWaiter(redis, replicas, opts.minReplicasTimeoutMs ?? 1000));
}
