// Redis accounts and API keys; removing an account cascades in one Lua script.
import type { Account, AccountStore } from '../types.js';
import type { Ctx, Hash } from './ctx.js';

// ARGV: username, createdAt, then optional field/value pairs (email, passwordHash).
const CREATE = `
local names = P .. 'accounts:by-name'
if redis.call('HEXISTS', names, ARGV[2]) == 1 then return false end
local id = tostring(redis.call('INCR', P .. 'seq:account'))
redis.call('HSET', names, ARGV[2], id)
redis.call('HSET', P .. 'account:' .. id, 'username', ARGV[2], 'createdAt', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HSET', P .. 'account:' .. id, ARGV[i], ARGV[i + 1]) end
return id
`;

// ARGV: id
const REMOVE = `
local a = P .. 'account:' .. ARGV[2]
local name = redis.call('HGET', a, 'username')
if not name then return 0 end
for _, k in ipairs(redis.call('SMEMBERS', a .. ':keys')) do redis.call('DEL', P .. 'apikey:' .. k) end
for _, d in ipairs(redis.call('SMEMBERS', a .. ':devices')) do drop_device(d) end
for _, t in ipairs(redis.call('SMEMBERS', a .. ':tokens')) do drop_token(t) end
redis.call('HDEL', P .. 'accounts:by-name', name)
redis.call('DEL', a, a .. ':keys', a .. ':devices', a .. ':tokens')
return 1
`;

// ARGV: key hash, account id, createdAt
const ADD_KEY = `
local a = P .. 'account:' .. ARGV[3]
if redis.call('EXISTS', a) == 0 then return redis.error_reply('no such account') end
local k = P .. 'apikey:' .. ARGV[2]
if redis.call('HSETNX', k, 'account', ARGV[3]) == 0 then return redis.error_reply('API key exists') end
redis.call('HSET', k, 'createdAt', ARGV[4])
redis.call('SADD', a .. ':keys', ARGV[2])
return 1
`;

function toAccount(id: string, h: Hash): Account | undefined {
  if (h.username === undefined) return undefined;
  return {
    id,
    username: h.username,
    email: h.email,
    passwordHash: h.passwordHash,
    createdAt: Number(h.createdAt),
  };
}

export function redisAccounts(c: Ctx): AccountStore {
  const create = c.script('account_create', CREATE);
  const remove = c.script('account_remove', REMOVE);
  const addKey = c.script('apikey_add', ADD_KEY);

  async function get(id: string): Promise<Account | undefined> {
    return toAccount(id, await c.redis.hgetall(c.key('account', id)));
  }

  return {
    async create(a, now) {
      const extra: string[] = [];
      if (a.email !== undefined) extra.push('email', a.email);
      if (a.passwordHash !== undefined) extra.push('passwordHash', a.passwordHash);
      const id = (await create(a.username, now, ...extra)) as string | null;
      if (id === null) return 'conflict';
      return {
        id,
        username: a.username,
        email: a.email,
        passwordHash: a.passwordHash,
        createdAt: now,
      };
    },
    get,
    async getByUsername(username) {
      const id = await c.redis.hget(c.key('accounts', 'by-name'), username);
      return id === null ? undefined : get(id);
    },
    async remove(id) {
      return (await remove(id)) === 1;
    },
    async addApiKey(keyHash, accountId, now) {
      await addKey(keyHash, accountId, now);
    },
    async getByApiKey(keyHash) {
      const id = await c.redis.hget(c.key('apikey', keyHash), 'account');
      return id === null ? undefined : get(id);
    },
  };
}
