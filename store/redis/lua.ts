// Lua shared by the Redis store's scripts: the prefix argument, the indexes of registrations and
// collected tokens, and the cascading deletes.

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

-- The hash muc ('' for none) -> node of one jid's device. Only a bare JID's IPv6 literal holds
-- a colon, inside brackets, and a provider none, so the key names one jid/provider/deviceId.
local function reg_slot(jid, provider, device_id)
  return P .. 'regs:dev:' .. jid .. ':' .. provider .. ':' .. device_id
end

-- The set of registration nodes pointing at a device or token of this relay (false: remote).
local function reg_refs(kind, device, token)
  if kind == 'device' then return P .. 'device:' .. device .. ':regs' end
  if kind == 'token' then return P .. 'token:' .. token .. ':regs' end
  return false
end

-- Adds the registration stored at reg:<node> to the indexes.
local function index_reg(node)
  local f = redis.call('HMGET', P .. 'reg:' .. node,
    'jid', 'provider', 'deviceId', 'muc', 'createdAt', 'kind', 'device', 'token')
  redis.call('ZADD', P .. 'regs:jid:' .. f[1], f[5], node)
  redis.call('HSET', reg_slot(f[1], f[2], f[3]), f[4], node)
  local refs = reg_refs(f[6], f[7], f[8])
  if refs then redis.call('SADD', refs, node) end
end

-- Removes a registration from the store and its indexes; returns {node, fields}, or false.
local function drop_reg(node)
  local r = P .. 'reg:' .. node
  local all = redis.call('HGETALL', r)
  if #all == 0 then return false end
  local f = redis.call('HMGET', r, 'jid', 'provider', 'deviceId', 'muc', 'kind', 'device', 'token')
  redis.call('ZREM', P .. 'regs:jid:' .. f[1], node)
  local slot = reg_slot(f[1], f[2], f[3])
  if redis.call('HGET', slot, f[4]) == node then redis.call('HDEL', slot, f[4]) end
  local refs = reg_refs(f[5], f[6], f[7])
  if refs then redis.call('SREM', refs, node) end
  redis.call('DEL', r)
  return {node, all}
end

-- Keeps a collected token of the jid for the relay (for 'local', a token id), replacing any.
local function put_collected(jid, relay, token, created_at)
  local c = P .. 'collected:' .. jid
  if relay == 'local' then
    local old = redis.call('HGET', c .. ':tokens', 'local')
    if old then redis.call('SREM', P .. 'token:' .. old .. ':collected', jid) end
    redis.call('SADD', P .. 'token:' .. token .. ':collected', jid)
  end
  redis.call('HSET', c .. ':tokens', relay, token)
  redis.call('ZADD', c, created_at, relay)
end

-- Removes the token with the registrations and collected tokens pointing at it.
local function drop_token(id)
  local t = P .. 'token:' .. id
  local f = redis.call('HMGET', t, 'hash', 'device', 'owner')
  if not f[1] then return false end
  for _, node in ipairs(redis.call('SMEMBERS', t .. ':regs')) do drop_reg(node) end
  for _, jid in ipairs(redis.call('SMEMBERS', t .. ':collected')) do
    local c = P .. 'collected:' .. jid
    if redis.call('HGET', c .. ':tokens', 'local') == id then
      redis.call('HDEL', c .. ':tokens', 'local')
      redis.call('ZREM', c, 'local')
    end
  end
  redis.call('HDEL', P .. 'tokens:by-hash', f[1])
  if f[2] then redis.call('SREM', P .. 'device:' .. f[2] .. ':tokens', id) end
  redis.call('SREM', P .. 'account:' .. f[3] .. ':tokens', id)
  redis.call('ZREM', P .. 'tokens:expiry', id)
  redis.call('DEL', t, t .. ':regs', t .. ':collected')
  return true
end

-- Removes a device with its tokens, registrations and jobs; returns its fields, or false.
local function drop_device(id)
  local d = P .. 'device:' .. id
  local all = redis.call('HGETALL', d)
  if #all == 0 then return false end
  local f = redis.call('HMGET', d, 'owner', 'provider', 'deviceId')
  for _, t in ipairs(redis.call('SMEMBERS', d .. ':tokens')) do drop_token(t) end
  for _, node in ipairs(redis.call('SMEMBERS', d .. ':regs')) do drop_reg(node) end
  for _, j in ipairs(redis.call('SMEMBERS', d .. ':jobs')) do drop_job(j) end
  redis.call('HDEL', P .. 'devices:by-key', f[1] .. ':' .. f[2] .. ':' .. f[3])
  redis.call('SREM', P .. 'account:' .. f[1] .. ':devices', id)
  redis.call('DEL', d, d .. ':tokens', d .. ':regs', d .. ':jobs')
  return all
end
`;
