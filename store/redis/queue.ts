// Redis delivery queue: one ZSET of due times (or lease ends), coalescing and leases in Lua.
import type { Job, QueueStore } from '../types.js';
import type { Ctx } from './ctx.js';

// A job's score in queue:due is when it may be claimed: its due time while it waits, its lease
// end once claimed. device:<id>.waiting names the device's one waiting (unclaimed) job.

// ARGV: device, payload, minIntervalMs, now
const ENQUEUE = `
local dev, payload = ARGV[2], ARGV[3]
local interval, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local d = P .. 'device:' .. dev
if redis.call('EXISTS', d) == 0 then return 'queued' end
local waiting = redis.call('HGET', d, 'waiting')
if waiting then
  redis.call('HSET', P .. 'job:' .. waiting, 'payload', payload)
  return 'coalesced'
end
local last = redis.call('HGET', d, 'lastDueAt')
local due = now
if last then due = math.max(now, tonumber(last) + interval) end
local id = tostring(redis.call('INCR', P .. 'seq:job'))
redis.call('HSET', P .. 'job:' .. id, 'device', dev, 'payload', payload, 'attempts', 0, 'createdAt', ARGV[5])
redis.call('ZADD', P .. 'queue:due', due, id)
redis.call('ZADD', P .. 'queue:created', now, id)
redis.call('SADD', d .. ':jobs', id)
redis.call('HSET', d, 'waiting', id, 'lastDueAt', due)
return 'queued'
`;

// ARGV: limit, now, leaseUntil. Returns {id, device, payload, attempts, createdAt} per job.
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', P .. 'queue:due', '-inf', ARGV[3], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  local j = P .. 'job:' .. id
  local f = redis.call('HMGET', j, 'device', 'payload', 'createdAt')
  if not f[1] then
    -- An entry without its job must not block the queue.
    redis.call('ZREM', P .. 'queue:due', id)
    redis.call('ZREM', P .. 'queue:created', id)
  else
    local attempts = redis.call('HINCRBY', j, 'attempts', 1)
    local d = P .. 'device:' .. f[1]
    if redis.call('HGET', d, 'waiting') == id then redis.call('HDEL', d, 'waiting') end
    redis.call('ZADD', P .. 'queue:due', ARGV[4], id)
    out[#out + 1] = {id, f[1], f[2], attempts, f[3]}
  end
end
return out
`;

const COMPLETE = 'drop_job(ARGV[2]) return 1';

// ARGV: id, dueAt. Dropped when another job of the device waits (it is newer).
const RETRY = `
local id = ARGV[2]
local dev = redis.call('HGET', P .. 'job:' .. id, 'device')
if not dev then return 0 end
local d = P .. 'device:' .. dev
local waiting = redis.call('HGET', d, 'waiting')
if waiting and waiting ~= id then
  drop_job(id)
  return 0
end
redis.call('HSET', d, 'waiting', id)
redis.call('ZADD', P .. 'queue:due', ARGV[3], id)
return 1
`;

export function redisQueue(c: Ctx): QueueStore {
  const enqueue = c.script('job_enqueue', ENQUEUE);
  const claim = c.script('job_claim', CLAIM);
  const complete = c.script('job_complete', COMPLETE);
  const retry = c.script('job_retry', RETRY);

  return {
    async enqueue(deviceId, payload, minIntervalMs, now) {
      return (await enqueue(deviceId, payload, minIntervalMs, now)) as 'queued' | 'coalesced';
    },
    async claim(limit, now, leaseUntil) {
      if (limit <= 0) return [];
      const rows = (await claim(limit, now, leaseUntil)) as Array<
        [string, string, string, number, string]
      >;
      return rows.map(
        ([id, deviceId, payload, attempts, createdAt]): Job => ({
          id,
          deviceId,
          payload,
          attempts: Number(attempts),
          createdAt: Number(createdAt),
        }),
      );
    },
    async complete(id) {
      await complete(id);
    },
    async retry(id, dueAt) {
      await retry(id, dueAt);
    },
    async stats(now) {
      const replies = await c.redis
        .multi()
        .zcard(c.key('queue', 'due'))
        .zrange(c.key('queue', 'created'), 0, '0', 'WITHSCORES')
        .exec();
      const depth = Number(replies?.[0]?.[1] ?? 0);
      const oldest = (replies?.[1]?.[1] ?? []) as string[];
      const created = oldest[1];
      return { depth, oldestAgeMs: created === undefined ? 0 : now - Number(created) };
    },
  };
}
