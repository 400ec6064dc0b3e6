// The Redis store's ad-hoc command sessions: one string per session that Redis expires itself,
// and per owner a sorted set of session ids by expiry to bound how many one JID holds.
import type { SessionStore } from '../types.js';
import type { Ctx } from './ctx.js';

/** ARGV: P, id, node, from, owner, now, expiresAt, max. */
const OPEN = `
local id, owner, now, expires = ARGV[2], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local mine = P .. 'sessions:owner:' .. owner
redis.call('ZREMRANGEBYSCORE', mine, '-inf', now)
if redis.call('ZCARD', mine) >= tonumber(ARGV[8]) then return 0 end
local value = cjson.encode({ node = ARGV[3], from = ARGV[4], owner = owner, expiresAt = expires })
redis.call('SET', P .. 'session:' .. id, value, 'PX', expires - now)
redis.call('ZADD', mine, expires, id)
redis.call('PEXPIRE', mine, math.max(expires - now, redis.call('PTTL', mine)))
return 1
`;

/** ARGV: P, id. Returns the session's JSON, or false when there is none. */
const TAKE = `
local value = redis.call('GET', P .. 'session:' .. ARGV[2])
if not value then return false end
redis.call('DEL', P .. 'session:' .. ARGV[2])
redis.call('ZREM', P .. 'sessions:owner:' .. cjson.decode(value).owner, ARGV[2])
return value
`;

export function redisSessions(ctx: Ctx): SessionStore {
  const open = ctx.script('session_open', OPEN);
  const take = ctx.script('session_take', TAKE);
  return {
    async open(id, s, o) {
      if (o.expiresAt <= o.now) return 'opened';
      const ok = await open(id, s.node, s.from, s.owner, o.now, o.expiresAt, o.max);
      return ok === 1 ? 'opened' : 'full';
    },
    async take(id, now) {
      const value = (await take(id)) as string | null;
      if (!value) return undefined;
      const s = JSON.parse(value) as { node: string; from: string; expiresAt: number };
      return s.expiresAt > now ? { node: s.node, from: s.from } : undefined;
    },
  };
}
