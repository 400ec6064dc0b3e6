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

/** ARGV: P, id, node, from, now. Returns 1 when the session was that one and is taken. */
const TAKE = `
local value = redis.call('GET', P .. 'session:' .. ARGV[2])
if not value then return 0 end
local s = cjson.decode(value)
if s.node ~= ARGV[3] or s.from ~= ARGV[4] or s.expiresAt <= tonumber(ARGV[5]) then return 0 end
redis.call('DEL', P .. 'session:' .. ARGV[2])
redis.call('ZREM', P .. 'sessions:owner:' .. s.owner, ARGV[2])
return 1
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
    async take(id, session, now) {
      return (await take(id, session.node, session.from, now)) === 1;
    },
  };
}
