// Redis devices: upsert by owner/provider/deviceId, owner-checked updates, delivery stats.
import type { ProviderName } from '../../lib/providers.js';
import type { Device, DeviceStore, Environment } from '../types.js';
import { byId, type Ctx, fromPairs, type Hash, optNumber } from './ctx.js';

// ARGV: owner, provider, deviceId, deviceToken, now, then field/value pairs: the route fields
// (app, environment, voip; '' clears one) and optionally name.
// `owner:provider:deviceId` is unambiguous: the first two parts hold no colon.
const UPSERT = `
local owner, provider, device_id = ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', P .. 'account:' .. owner) == 0 then return redis.error_reply('no such account') end
local index = P .. 'devices:by-key'
local unique = owner .. ':' .. provider .. ':' .. device_id
local id = redis.call('HGET', index, unique)
if not id then
  id = tostring(redis.call('INCR', P .. 'seq:device'))
  redis.call('HSET', index, unique, id)
  redis.call('SADD', P .. 'account:' .. owner .. ':devices', id)
  redis.call('HSET', P .. 'device:' .. id, 'owner', owner, 'provider', provider,
    'deviceId', device_id, 'createdAt', ARGV[6], 'successCount', 0, 'errorCount', 0)
end
local d = P .. 'device:' .. id
redis.call('HSET', d, 'deviceToken', ARGV[5], 'active', 1)
for i = 7, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', d, ARGV[i]) else redis.call('HSET', d, ARGV[i], ARGV[i + 1]) end
end
return {id, redis.call('HGETALL', d)}
`;

// ARGV: id, owner, then field/value pairs to set.
const UPDATE = `
local d = P .. 'device:' .. ARGV[2]
if redis.call('HGET', d, 'owner') ~= ARGV[3] then return false end
for i = 4, #ARGV, 2 do redis.call('HSET', d, ARGV[i], ARGV[i + 1]) end
return redis.call('HGETALL', d)
`;

// ARGV: id, now, then reason and dead ('1' or '0') for an error. A missing device stays missing.
const RECORD = `
local d = P .. 'device:' .. ARGV[2]
if redis.call('EXISTS', d) == 0 then return 0 end
if ARGV[4] == nil then
  redis.call('HSET', d, 'lastSuccessAt', ARGV[3])
  redis.call('HINCRBY', d, 'successCount', 1)
  return 1
end
redis.call('HSET', d, 'lastErrorAt', ARGV[3], 'lastError', ARGV[4])
redis.call('HINCRBY', d, 'errorCount', 1)
if ARGV[5] == '1' then redis.call('HSET', d, 'active', 0) end
return 1
`;

const REMOVE = 'return drop_device(ARGV[2])';

function toDevice(id: string, h: Hash): Device | undefined {
  if (h.owner === undefined) return undefined;
  return {
    id,
    owner: h.owner,
    provider: h.provider as ProviderName,
    deviceId: h.deviceId ?? '',
    deviceToken: h.deviceToken ?? '',
    name: h.name,
    active: h.active === '1',
    createdAt: Number(h.createdAt),
    lastSuccessAt: optNumber(h.lastSuccessAt),
    lastErrorAt: optNumber(h.lastErrorAt),
    lastError: h.lastError,
    successCount: Number(h.successCount ?? 0),
    errorCount: Number(h.errorCount ?? 0),
    ...(h.app !== undefined && { app: h.app }),
    ...(h.environment !== undefined && { environment: h.environment as Environment }),
    ...(h.voip === '1' && { voip: true }),
  };
}

export function redisDevices(c: Ctx): DeviceStore {
  const upsert = c.script('device_upsert', UPSERT);
  const update = c.script('device_update', UPDATE);
  const record = c.script('device_record', RECORD);
  const remove = c.script('device_remove', REMOVE);

  return {
    async upsert(d, now) {
      const name = d.name === undefined ? [] : ['name', d.name];
      const route = [
        'app',
        d.app ?? '',
        'environment',
        d.environment ?? '',
        'voip',
        d.voip ? 1 : '',
      ];
      const args = [d.owner, d.provider, d.deviceId, d.deviceToken, now, ...route, ...name];
      const [id, flat] = (await upsert(...args)) as [string, string[]];
      return toDevice(id, fromPairs(flat)) as Device;
    },
    async get(id) {
      return toDevice(id, await c.redis.hgetall(c.key('device', id)));
    },
    async find(owner, provider, deviceId) {
      const id = await c.redis.hget(c.key('devices:by-key'), `${owner}:${provider}:${deviceId}`);
      return id === null ? undefined : this.get(id);
    },
    async listByOwner(owner, provider) {
      const ids = byId(await c.redis.smembers(c.key('account', owner, 'devices')));
      const found = await c.hashes(ids.map((id) => c.key('device', id)));
      return ids
        .map((id, i) => toDevice(id, found[i] ?? {}))
        .filter((d): d is Device => d !== undefined && (!provider || d.provider === provider));
    },
    async countByOwner(owner) {
      return c.redis.scard(c.key('account', owner, 'devices'));
    },
    async update(id, owner, changes) {
      const set: Array<string | number> = [];
      if (changes.name !== undefined) set.push('name', changes.name);
      if (changes.deviceToken !== undefined) set.push('deviceToken', changes.deviceToken);
      if (changes.active !== undefined) set.push('active', changes.active ? 1 : 0);
      const flat = await update(id, owner, ...set);
      return flat === null ? undefined : toDevice(id, fromPairs(flat));
    },
    async remove(id) {
      const flat = await remove(id);
      return flat === null ? undefined : toDevice(id, fromPairs(flat));
    },
    async recordSuccess(id, now) {
      await record(id, now);
    },
    async recordError(id, reason, now, dead) {
      await record(id, now, reason, dead ? '1' : '0');
    },
  };
}
