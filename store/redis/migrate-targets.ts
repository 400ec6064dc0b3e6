// Redis schema 2: registrations and collected tokens name their target by reference instead of
// holding a whitelist token; account tokens no longer hang on a device; jobs carry a priority.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createCtx } from './ctx.js';

// Each step checks what it already did, so a migration cut short runs again from the start.

// ARGV: token id. An account token stops hanging on the device it was made from.
const TOKEN = `
local t = P .. 'token:' .. ARGV[2]
local f = redis.call('HMGET', t, 'scope', 'device')
if f[1] ~= 'account' or not f[2] then return 0 end
redis.call('SREM', P .. 'device:' .. f[2] .. ':tokens', ARGV[2])
redis.call('HDEL', t, 'device')
return 1
`;

// ARGV: node, sha256 of its token. Schema 1 held relay ('local' or a remote relay) and token.
const REGISTRATION = `
local node = ARGV[2]
local r = P .. 'reg:' .. node
local f = redis.call('HMGET', r, 'jid', 'provider', 'deviceId', 'relay', 'token', 'createdAt', 'kind')
if not f[1] or f[7] then return 0 end
local jid, provider, relay, token, created_at = f[1], f[2], f[4], f[5], f[6]
local collected = string.sub(f[3], 1, 10) == 'collected:'
-- Schema 1 indexed a registration in regs:jid:<jid> only.
local function forget()
  redis.call('ZREM', P .. 'regs:jid:' .. jid, node)
  redis.call('DEL', r)
  return 1
end
if relay ~= 'local' then
  if collected then
    put_collected(jid, relay, token, created_at)
    return forget()
  end
  redis.call('HSET', r, 'kind', 'remote')
  index_reg(node)
  return 1
end
local id = redis.call('HGET', P .. 'tokens:by-hash', ARGV[3])
-- Its token is gone (revoked): it could never push again.
if not id then return forget() end
if collected then
  put_collected(jid, 'local', id, created_at)
  return forget()
end
redis.call('HDEL', r, 'relay')
local t = redis.call('HMGET', P .. 'token:' .. id, 'scope', 'device')
if provider ~= 'relay' and t[1] == 'device' and t[2] then
  -- The token was made for this registration alone: it points at the device now, the token goes.
  redis.call('HDEL', r, 'token')
  redis.call('HSET', r, 'kind', 'device', 'device', t[2])
  redis.call('SADD', P .. 'migrate:own-tokens', id)
else
  redis.call('HSET', r, 'kind', 'token', 'token', id)
end
index_reg(node)
return 1
`;

// ARGV: how many. Drops that many of the tokens made for one registration; returns how many.
const OWN_TOKENS = `
local ids = redis.call('SPOP', P .. 'migrate:own-tokens', ARGV[2])
for _, id in ipairs(ids) do drop_token(id) end
return #ids
`;

// ARGV: job id, priority. A job without one gets it from its payload.
const JOB = `
local j = P .. 'job:' .. ARGV[2]
if redis.call('EXISTS', j) == 1 then redis.call('HSETNX', j, 'priority', ARGV[3]) end
return 1
`;

const BATCH = 500;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const glob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

function priorityOf(payload: string | null): 'high' | 'low' {
  try {
    return (JSON.parse(payload ?? '') as { priority?: unknown }).priority === 'low'
      ? 'low'
      : 'high';
  } catch {
    return 'high';
  }
}

export async function migrateTargets(redis: Redis, prefix: string): Promise<void> {
  const c = createCtx(redis, prefix);
  const token = c.script('migrate2_token', TOKEN);
  const registration = c.script('migrate2_registration', REGISTRATION);
  const ownTokens = c.script('migrate2_own_tokens', OWN_TOKENS);
  const job = c.script('migrate2_job', JOB);

  /** The ids (or nodes) of the `<kind>:<id>` keys, a batch at a time. */
  async function* scan(kind: string, id: RegExp): AsyncGenerator<string[]> {
    const start = prefix.length + kind.length + 1;
    const stream = redis.scanStream({ match: `${glob(prefix)}${kind}:*`, count: BATCH });
    for await (const keys of stream as AsyncIterable<string[]>) {
      const ids = keys.map((k) => k.slice(start)).filter((rest) => id.test(rest));
      if (ids.length > 0) yield ids;
    }
  }

  for await (const ids of scan('token', /^\d+$/)) await Promise.all(ids.map((id) => token(id)));

  for await (const nodes of scan('reg', /./)) {
    const tokens = await Promise.all(nodes.map((n) => redis.hget(c.key('reg', n), 'token')));
    await Promise.all(nodes.map((n, i) => registration(n, sha256(tokens[i] ?? ''))));
  }
  let dropped: number;
  do dropped = (await ownTokens(BATCH)) as number;
  while (dropped > 0);

  for await (const ids of scan('job', /^\d+$/)) {
    const payloads = await Promise.all(ids.map((id) => redis.hget(c.key('job', id), 'payload')));
    await Promise.all(ids.map((id, i) => job(id, priorityOf(payloads[i] ?? null))));
  }
}
