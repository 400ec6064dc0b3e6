// Redis whitelist tokens, stored by hash and revoked only by their owner.
import type { TokenRecord, TokenStore } from '../types.js';
import { byId, type Ctx, type Hash, optNumber } from './ctx.js';

// ARGV: hash, owner, scope, name, createdAt, device ('' for an account token), then optionally
// expiresAt.
const ADD = `
local hash, owner, scope, dev = ARGV[2], ARGV[3], ARGV[4], ARGV[7]
if redis.call('EXISTS', P .. 'account:' .. owner) == 0 then return redis.error_reply('no such account') end
if scope == 'device' and redis.call('HGET', P .. 'device:' .. dev, 'owner') ~= owner then
  return redis.error_reply('token for a device the owner does not have')
end
if redis.call('HEXISTS', P .. 'tokens:by-hash', hash) == 1 then return redis.error_reply('token exists') end
local id = tostring(redis.call('INCR', P .. 'seq:token'))
local t = P .. 'token:' .. id
redis.call('HSET', P .. 'tokens:by-hash', hash, id)
redis.call('HSET', t, 'hash', hash, 'owner', owner, 'scope', scope, 'name', ARGV[5],
  'createdAt', ARGV[6])
if scope == 'device' then
  redis.call('HSET', t, 'device', dev)
  redis.call('SADD', P .. 'device:' .. dev .. ':tokens', id)
end
if ARGV[8] then
  redis.call('HSET', t, 'expiresAt', ARGV[8])
  redis.call('ZADD', P .. 'tokens:expiry', ARGV[8], id)
end
redis.call('SADD', P .. 'account:' .. owner .. ':tokens', id)
return id
`;

// ARGV: 'hash' or 'id', its value, owner.
const REMOVE = `
local id = ARGV[3]
if ARGV[2] == 'hash' then id = redis.call('HGET', P .. 'tokens:by-hash', ARGV[3]) end
if not id or redis.call('HGET', P .. 'token:' .. id, 'owner') ~= ARGV[4] then return 0 end
drop_token(id)
return 1
`;

// ARGV: now, batch size. Drops up to a batch of expired tokens; returns how many.
const PURGE = `
local ids = redis.call('ZRANGEBYSCORE', P .. 'tokens:expiry', '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  if not drop_token(id) then redis.call('ZREM', P .. 'tokens:expiry', id) end
end
return #ids
`;

const PURGE_BATCH = 500;

function toRecord(id: string, h: Hash): TokenRecord | undefined {
  if (h.owner === undefined) return undefined;
  const common = {
    id,
    owner: h.owner,
    name: h.name ?? '',
    createdAt: Number(h.createdAt),
    expiresAt: optNumber(h.expiresAt),
  };
  return h.scope === 'device'
    ? { ...common, scope: 'device', deviceId: h.device ?? '' }
    : { ...common, scope: 'account' };
}

export function redisTokens(c: Ctx): TokenStore {
  const add = c.script('token_add', ADD);
  const remove = c.script('token_remove', REMOVE);
  const purge = c.script('token_purge', PURGE);

  const get = async (id: string) => toRecord(id, await c.redis.hgetall(c.key('token', id)));

  return {
    async add(hash, t) {
      const device = t.scope === 'device' ? t.deviceId : '';
      const expires = t.expiresAt === undefined ? [] : [t.expiresAt];
      const args = [hash, t.owner, t.scope, t.name, t.createdAt, device, ...expires];
      return { id: (await add(...args)) as string, ...t };
    },
    get,
    async getByHash(hash) {
      const id = await c.redis.hget(c.key('tokens', 'by-hash'), hash);
      return id === null ? undefined : get(id);
    },
    async listByOwner(owner) {
      const ids = byId(await c.redis.smembers(c.key('account', owner, 'tokens')));
      const found = await c.hashes(ids.map((id) => c.key('token', id)));
      return ids
        .map((id, i) => toRecord(id, found[i] ?? {}))
        .filter((t): t is TokenRecord => t !== undefined);
    },
    async countByOwner(owner) {
      return c.redis.scard(c.key('account', owner, 'tokens'));
    },
    async purgeExpired(now) {
      let total = 0;
      for (;;) {
        const n = (await purge(now, PURGE_BATCH)) as number;
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    },
    async removeByHash(hash, owner) {
      return (await remove('hash', hash, owner)) === 1;
    },
    async removeById(id, owner) {
      return (await remove('id', id, owner)) === 1;
    },
  };
}
