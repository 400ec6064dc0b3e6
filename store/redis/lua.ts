// Lua shared by the Redis store's scripts: the prefix argument and the cascading deletes.

/**
 * Every script gets the versioned key prefix as ARGV[1]. Scripts touch keys they derive from
 * their arguments, so they need a standalone Redis (or one where all keys share a slot).
 */
export const PRELUDE = `
local P = ARGV[1]

local function drop_job(id)
  local j = P .. 'job:' .. id
  local dev = redis.call('HGET', j, 'device')
  if not dev then return false end
  local d = P .. 'device:' .. dev
  if redis.call('HGET', d, 'waiting') == id then redis.call('HDEL', d, 'waiting') end
  redis.call('SREM', d .. ':jobs', id)
  redis.call('ZREM', P .. 'queue:due', id)
  redis.call('ZREM', P .. 'queue:created', id)
  redis.call('DEL', j)
  return true
end

local function drop_token(id)
  local t = P .. 'token:' .. id
  local f = redis.call('HMGET', t, 'hash', 'device', 'owner')
  if not f[1] then return false end
  redis.call('HDEL', P .. 'tokens:by-hash', f[1])
  redis.call('SREM', P .. 'device:' .. f[2] .. ':tokens', id)
  redis.call('SREM', P .. 'account:' .. f[3] .. ':tokens', id)
  redis.call('DEL', t)
  return true
end

-- Removes a device with its tokens and jobs; returns its fields, or false.
local function drop_device(id)
  local d = P .. 'device:' .. id
  local all = redis.call('HGETALL', d)
  if #all == 0 then return false end
  local f = redis.call('HMGET', d, 'owner', 'provider', 'deviceId')
  for _, t in ipairs(redis.call('SMEMBERS', d .. ':tokens')) do drop_token(t) end
  for _, j in ipairs(redis.call('SMEMBERS', d .. ':jobs')) do drop_job(j) end
  redis.call('HDEL', P .. 'devices:by-key', f[1] .. ':' .. f[2] .. ':' .. f[3])
  redis.call('SREM', P .. 'account:' .. f[1] .. ':devices', id)
  redis.call('DEL', d, d .. ':tokens', d .. ':jobs')
  return all
end
`;
