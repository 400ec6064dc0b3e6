// The Redis store: shared by any number of relay processes; invariants kept by Lua scripts.
import { Redis, type RedisOptions } from 'ioredis';
import { afterIo } from '../../lib/deadline.js';
import { sameLimiterPerName } from '../limiter.js';
import type { Lease, QueueStore, Store } from '../types.js';
import { redisAccounts } from './accounts.js';
import { redisCollected } from './collected.js';
import { createCtx } from './ctx.js';
import { redisDevices } from './devices.js';
import { followFailovers } from './failover.js';
import { redisLimiter } from './limiter.js';
import { redisQueue } from './queue.js';
import { redisRegistrations } from './registrations.js';
import { replicaWaiter, withReplicas } from './replicas.js';
import { migrate } from './schema.js';
import { redisSessions } from './sessions.js';
import { redisTokens } from './tokens.js';

/*
 * Key layout, schema 3 (P = `<base>:v1:`, base `xpr` by default; the `v1` stayed when schema 2
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
 *   P tokens:expiry               zset    token id → expiresAt (tokens that expire; schema 3)
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

/** How long a command sent to Redis may go unanswered before it fails. */
export const COMMAND_TIMEOUT_MS = 1500;

export interface RedisStoreOptions {
  /** Base of every key (default `xpr`); data lives under `<prefix>:v1:`. */
  prefix?: string;
  /** Connection trouble, once per outage (commands fail meanwhile, and ping() rejects). */
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
  // Opening fails at once when Redis does not answer; once open, reconnect for ever, at least
  // every 500 ms, so that service is back within a second of Redis.
  const retry = (times: number) => (opened ? Math.min(times * 50, 500) : null);
  const options: RedisOptions = {
    protocol: 2,
    lazyConnect: true,
    // While Redis is away a command fails at once instead of waiting in a queue: a publish is
    // answered `wait` within milliseconds, and nothing piles up in memory during an outage.
    enableOfflineQueue: false,
    // Such a command is not sent again after the reconnection: its caller has had its error.
    autoResendUnfulfilledCommands: false,
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
        });
  answerWithin(redis, COMMAND_TIMEOUT_MS);
  // Told once per outage: every reconnection attempt fails with an error of its own.
  let troubled = false;
  redis.on('error', (err: Error) => {
    if (troubled) return;
    troubled = true;
    opts.onError?.(err);
  });
  // Once open, never stay given up (status `end`): ioredis in sentinel mode gives up for good
  // when its lookup of the master is cut short by a disconnect. Start over.
  let closing = false;
  let restart: NodeJS.Timeout | undefined;
  redis.on('end', () => {
    if (!opened || closing) return;
    clearTimeout(restart);
    restart = setTimeout(() => {
      if (!closing && redis.status === 'end') redis.connect().catch(() => undefined);
    }, 500);
  });
  let lostAt: number | undefined;
  redis.on('close', () => {
    lostAt ??= Date.now();
  });
  redis.on('ready', () => {
    troubled = false;
    if (lostAt !== undefined) queue.giveBack(lostAt);
    lostAt = undefined;
  });
  await redis.connect();
  opened = true;
  try {
    await migrate(redis, base, prefix);
  } catch (err) {
    closing = true;
    await redis.quit().catch(() => redis.disconnect());
    throw err;
  }
  // Reconnect as soon as the sentinels announce a new master, not at the next refused write.
  const unfollow =
    typeof target === 'string'
      ? undefined
      : followFailovers(redis, target.sentinels, target.name, target.sentinelPassword);
  const ctx = createCtx(redis, prefix);
  const queue = givingBackLeases(redisQueue(ctx));
  const store: Store = {
    accounts: redisAccounts(ctx),
    registrations: redisRegistrations(ctx),
    collected: redisCollected(ctx),
    devices: redisDevices(ctx),
    tokens: redisTokens(ctx),
    queue: queue.store,
    sessions: redisSessions(ctx),
    limiter: sameLimiterPerName((o) => redisLimiter(redis, prefix, o)),
    async ping() {
      await redis.ping();
    },
    async close() {
      closing = true;
      clearTimeout(restart);
      unfollow?.();
      // While Redis is away, quit() fails at once (no offline queue).
      if (redis.status !== 'end') await redis.quit().catch(() => undefined);
      // Ends the reconnection (and, in ioredis's sentinel mode, its own sentinel connections).
      redis.disconnect();
    },
  };
  const replicas = opts.minReplicas ?? 0;
  if (replicas === 0) return store;
  return withReplicas(store, replicaWaiter(redis, replicas, opts.minReplicasTimeoutMs ?? 1000));
}

/**
 * The queue, keeping in memory the jobs this process leased and has not completed or parked. A
 * delivery that loses Redis midway cannot end its job, which would stay leased for the whole
 * lease (its push late by a minute). `giveBack(lostAt)`, once Redis is back, ends them as the
 * delivery meant to: a completion or parking that failed is done now (the push went out, or
 * failed, already); a job leased before Redis was lost and never ended is due again at once.
 */
function givingBackLeases(queue: QueueStore): {
  store: QueueStore;
  giveBack(lostAt: number): void;
} {
  /** Job id → its lease, when leased, until when, and the end its delivery could not have. */
  const leased = new Map<
    string,
    { job: Lease; at: number; until: number; end?: () => Promise<void> }
  >();
  /** A job left leased for another reason (its delivery failed otherwise) is forgotten with its lease. */
  const forgetExpired = (now: number) => {
    for (const [id, { until, end }] of leased) if (!end && until < now) leased.delete(id);
  };
  /** Jobs this process just leased, until `until`. */
  const hold = (jobs: Lease[], now: number, until: number) => {
    if (leased.size > 10_000) forgetExpired(now);
    const at = Date.now();
    for (const job of jobs) leased.set(job.id, { job, at, until });
  };
  const ending = async (id: string, end: () => Promise<void>) => {
    try {
      await end();
      leased.delete(id);
    } catch (err) {
      const entry = leased.get(id);
      if (entry) entry.end = end;
      throw err;
    }
  };
  return {
    store: {
      ...queue,
      async claim(limit, now, leaseUntil) {
        const jobs = await queue.claim(limit, now, leaseUntil);
        hold(jobs, now, leaseUntil);
        return jobs;
      },
      async enqueueLeased(deviceId, push, minIntervalMs, now, leaseUntil) {
        const out = await queue.enqueueLeased(deviceId, push, minIntervalMs, now, leaseUntil);
        if (typeof out === 'object') hold([out], now, leaseUntil);
        return out;
      },
      complete: (job) => ending(job.id, () => queue.complete(job)),
      retry: (job, dueAt, untried) => ending(job.id, () => queue.retry(job, dueAt, untried)),
    },
    giveBack(lostAt) {
      forgetExpired(Date.now());
      for (const [id, { job, at, end }] of leased) {
        if (!end && at >= lostAt) continue;
        leased.delete(id);
        // Still failing: the job waits for its lease to run out, as before.
        (end ?? (() => queue.retry(job, Date.now(), true)))().catch(() => undefined);
      }
    },
  };
}

/**
 * A command sent but not answered (Redis killed or unreachable mid-command) fails after `ms`, so
 * that every caller's promise settles: one that never did would hold the publish unanswered and,
 * with auto-pipelining, every later command queued behind its pipeline. This is ioredis's
 * `commandTimeout`, except that a reply already waiting unread when the time is up (our event loop
 * was late, not Redis) still counts (../../lib/deadline.ts): failing such a command would answer
 * a publish `wait`, or retry a push that was sent, for work Redis had done.
 */
function answerWithin(redis: Redis, ms: number): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    const timer = afterIo(ms, () => {
      if (!command.isSettled) command.reject(new Error('Command timed out'));
    });
    const clear = () => clearTimeout(timer);
    command.promise.then(clear, clear);
    return send(command, stream);
  };
}
