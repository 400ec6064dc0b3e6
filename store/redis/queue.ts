// Redis delivery queue: one ZSET of due times (or lease ends), merging and leases in Lua.
import type { Job, Priority, QueueStore } from '../types.js';
import type { Ctx } from './ctx.js';

// A job's score in queue:due is when it may be claimed: its due time while it waits, its lease
// end once claimed. device:<id>.waiting names the device's one unclaimed job: untried while its
// attempts are 0, else parked in retry backoff. A claimed job's `lease` is its claim's token;
// its `pushedAt`, when the newest push of its content was enqueued (missing on older jobs: 0).

// merge(): the newer push's members replace the older one's, the others stay (see store/merge.ts).
const MERGE = `
local function merge(j, older_payload, older_priority, newer_payload, newer_priority)
  local merged = cjson.decode(older_payload)
  for k, v in pairs(cjson.decode(newer_payload)) do merged[k] = v end
  local priority = 'low'
  if older_priority == 'high' or newer_priority == 'high' then priority = 'high' end
  redis.call('HSET', j, 'payload', cjson.encode(merged), 'priority', priority)
end

-- Into job j: the content of the push made later wins, b's on a tie (see store/merge.ts mergeLater).
local function merge_later(j, a_payload, a_priority, a_at, b_payload, b_priority, b_at)
  if a_at > b_at then merge(j, b_payload, b_priority, a_payload, a_priority)
  else merge(j, a_payload, a_priority, b_payload, b_priority) end
end
`;

// ARGV: device, payload, priority, minIntervalMs, now, leaseUntil ('': none). With leaseUntil, a
// job due at once is leased as CLAIM leases it and returned as CLAIM returns it.
const ENQUEUE = `${MERGE}
local dev, payload, priority = ARGV[2], ARGV[3], ARGV[4]
local interval, now = tonumber(ARGV[5]), tonumber(ARGV[6])
local lease_until = tonumber(ARGV[7])
local d = P .. 'device:' .. dev
if redis.call('EXISTS', d) == 0 then return 'queued' end
local last = redis.call('HGET', d, 'lastDueAt')
local due = now
if last then due = math.max(now, tonumber(last) + interval) end
local leased = lease_until ~= nil and due <= now
local waiting = redis.call('HGET', d, 'waiting')
local f = waiting and redis.call('HMGET', P .. 'job:' .. waiting, 'payload', 'priority', 'attempts',
  'pushedAt')
local id
if f and f[1] then
  local j = P .. 'job:' .. waiting
  local queued_at = tonumber(f[4] or 0)
  merge_later(j, f[1], f[2], queued_at, payload, priority, now)
  redis.call('HSET', j, 'pushedAt', math.max(now, queued_at))
  if f[3] == '0' then return 'coalesced' end
  -- Parked: the push takes the job's content along, with fresh attempts and its own due time.
  id = waiting
  redis.call('HSET', j, 'attempts', 0)
else
  id = tostring(redis.call('INCR', P .. 'seq:job'))
  redis.call('HSET', P .. 'job:' .. id, 'device', dev, 'payload', payload, 'priority', priority,
    'attempts', 0, 'createdAt', ARGV[6], 'pushedAt', ARGV[6])
  redis.call('ZADD', P .. 'queue:created', now, id)
  redis.call('SADD', d .. ':jobs', id)
end
redis.call('HSET', d, 'lastDueAt', due)
if not leased then
  redis.call('ZADD', P .. 'queue:due', due, id)
  redis.call('HSET', d, 'waiting', id)
  return 'queued'
end
local j = P .. 'job:' .. id
local lease = redis.call('INCR', P .. 'seq:lease')
redis.call('HDEL', d, 'waiting')
redis.call('ZADD', P .. 'queue:due', lease_until, id)
redis.call('HSET', j, 'attempts', 1, 'lease', lease)
local g = redis.call('HMGET', j, 'payload', 'priority', 'createdAt')
return {id, dev, g[1], g[2], 1, g[3], lease}
`;

// ARGV: limit, now, leaseUntil. Returns {id, device, payload, priority, attempts, createdAt,
// lease}. A job that still has a lease had it run out: when a newer job of its device waits
// untried and is due, that one takes its content along and it goes (it is not handed out).
const CLAIM = `${MERGE}
local now = tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', P .. 'queue:due', '-inf', ARGV[3], 'LIMIT', 0, ARGV[2])
local out = {}
if #ids == 0 then return out end
local folded = {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', P .. 'job:' .. id, 'device', 'payload', 'priority', 'lease')
  local waiting = f[4] and redis.call('HGET', P .. 'device:' .. f[1], 'waiting')
  if waiting and waiting ~= id then
    local w = P .. 'job:' .. waiting
    local newer = redis.call('HMGET', w, 'payload', 'priority', 'attempts')
    local due = tonumber(redis.call('ZSCORE', P .. 'queue:due', waiting))
    if newer[1] and newer[3] == '0' and due and due <= now then
      merge(w, f[2], f[3], newer[1], newer[2])
      drop_job(id)
      folded[id] = true
    end
  end
end
local lease = redis.call('INCR', P .. 'seq:lease')
for _, id in ipairs(ids) do
  local j = P .. 'job:' .. id
  local f = redis.call('HMGET', j, 'device', 'payload', 'priority', 'createdAt')
  if folded[id] then
    -- Gone into a newer job of its device.
  elseif not f[1] then
    -- An entry without its job must not block the queue.
    redis.call('ZREM', P .. 'queue:due', id)
    redis.call('ZREM', P .. 'queue:created', id)
  else
    local attempts = redis.call('HINCRBY', j, 'attempts', 1)
    local d = P .. 'device:' .. f[1]
    if redis.call('HGET', d, 'waiting') == id then redis.call('HDEL', d, 'waiting') end
    redis.call('ZADD', P .. 'queue:due', ARGV[4], id)
    redis.call('HSET', j, 'lease', lease)
    out[#out + 1] = {id, f[1], f[2], f[3], attempts, f[4], lease}
  end
end
return out
`;

// ARGV: leaseUntil, then id and lease of each job.
const EXTEND = `
for i = 3, #ARGV, 2 do
  if redis.call('HGET', P .. 'job:' .. ARGV[i], 'lease') == ARGV[i + 1] then
    redis.call('ZADD', P .. 'queue:due', 'XX', ARGV[2], ARGV[i])
  end
end
return 1
`;

// ARGV: id, lease.
const COMPLETE = `
if redis.call('HGET', P .. 'job:' .. ARGV[2], 'lease') == ARGV[3] then drop_job(ARGV[2]) end
return 1
`;

// ARGV: id, lease, dueAt, untried ('1': the attempt does not count). When another job of the
// device waits, that one takes this one's content along (the newer content wins, the waiting
// one's on a tie) and this one goes.
const RETRY = `${MERGE}
local id = ARGV[2]
local f = redis.call('HMGET', P .. 'job:' .. id, 'device', 'payload', 'priority', 'lease',
  'pushedAt')
if not f[1] or f[4] ~= ARGV[3] then return 0 end
redis.call('HDEL', P .. 'job:' .. id, 'lease')
if ARGV[5] == '1' then redis.call('HINCRBY', P .. 'job:' .. id, 'attempts', -1) end
local d = P .. 'device:' .. f[1]
local waiting = redis.call('HGET', d, 'waiting')
if waiting and waiting ~= id then
  local j = P .. 'job:' .. waiting
  local w = redis.call('HMGET', j, 'payload', 'priority', 'pushedAt')
  if w[1] then
    local mine, theirs = tonumber(f[5] or 0), tonumber(w[3] or 0)
    merge_later(j, f[2], f[3], mine, w[1], w[2], theirs)
    if mine > theirs then redis.call('HSET', j, 'pushedAt', mine) end
    drop_job(id)
    return 0
  end
end
redis.call('HSET', d, 'waiting', id)
redis.call('ZADD', P .. 'queue:due', ARGV[4], id)
return 1
`;

type Row = [string, string, string, Priority, number, string, number];

const toJob = ([id, deviceId, payload, priority, attempts, createdAt, lease]: Row): Job => ({
  id,
  deviceId,
  payload,
  priority,
  attempts: Number(attempts),
  createdAt: Number(createdAt),
  lease: String(lease),
});

export function redisQueue(c: Ctx): QueueStore {
  const enqueue = c.script('job_enqueue', ENQUEUE);
  const claim = c.script('job_claim', CLAIM);
  const extend = c.script('job_extend', EXTEND);
  const complete = c.script('job_complete', COMPLETE);
  const retry = c.script('job_retry', RETRY);

  return {
    async enqueue(deviceId, push, minIntervalMs, now) {
      const outcome = await enqueue(deviceId, push.payload, push.priority, minIntervalMs, now, '');
      return outcome as 'queued' | 'coalesced';
    },
    async enqueueLeased(deviceId, push, minIntervalMs, now, leaseUntil) {
      const out = await enqueue(
        deviceId,
        push.payload,
        push.priority,
        minIntervalMs,
        now,
        leaseUntil,
      );
      return Array.isArray(out) ? toJob(out as Row) : (out as 'queued' | 'coalesced');
    },
    async claim(limit, now, leaseUntil) {
      if (limit <= 0) return [];
      const rows = (await claim(limit, now, leaseUntil)) as Row[];
      return rows.map(toJob);
    },
    async extend(leases, leaseUntil) {
      if (leases.length === 0) return;
      await extend(leaseUntil, ...leases.flatMap((l) => [l.id, l.lease]));
    },
    async complete(job) {
      await complete(job.id, job.lease);
    },
    async retry(job, dueAt, untried = false) {
      await retry(job.id, job.lease, dueAt, untried ? 1 : 0);
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
