// Redis XEP-0357 registrations: node → relay token, one per jid/provider/deviceId/muc.
import type { ProviderName } from '../../relay/provider.js';
import type { Registration, RegistrationStore } from '../types.js';
import { type Ctx, fromPairs, type Hash } from './ctx.js';

// regs:jid:<jid> is a ZSET of the jid's nodes scored by createdAt. take() removes and returns
// {node, fields} of the jid's registrations of a device (of one muc when muc is not false).
const TAKE = `
local function take(jid, provider, device, muc)
  local set = P .. 'regs:jid:' .. jid
  local taken = {}
  for _, node in ipairs(redis.call('ZRANGE', set, 0, -1)) do
    local r = P .. 'reg:' .. node
    local f = redis.call('HMGET', r, 'provider', 'deviceId', 'muc')
    if f[1] == provider and f[2] == device and (muc == false or f[3] == muc) then
      taken[#taken + 1] = {node, redis.call('HGETALL', r)}
      redis.call('DEL', r)
      redis.call('ZREM', set, node)
    end
  end
  return taken
end
`;

// ARGV: node, jid, muc ('' for none), provider, deviceId, relay, token, secretHash, createdAt
const PUT = `${TAKE}
local node, jid = ARGV[2], ARGV[3]
local r = P .. 'reg:' .. node
local old = redis.call('HMGET', r, 'jid', 'provider', 'deviceId', 'muc')
if old[1] and (old[1] ~= jid or old[2] ~= ARGV[5] or old[3] ~= ARGV[6] or old[4] ~= ARGV[4]) then
  return redis.error_reply('registration node exists')
end
local replaced = take(jid, ARGV[5], ARGV[6], ARGV[4])
redis.call('HSET', r, 'jid', jid, 'muc', ARGV[4], 'provider', ARGV[5], 'deviceId', ARGV[6],
  'relay', ARGV[7], 'token', ARGV[8], 'secretHash', ARGV[9], 'createdAt', ARGV[10])
redis.call('ZADD', P .. 'regs:jid:' .. jid, ARGV[10], node)
return replaced
`;

// ARGV: jid, provider, deviceId, then optionally muc.
const REMOVE = `${TAKE}
return take(ARGV[2], ARGV[3], ARGV[4], ARGV[5] or false)
`;

function toRegistration(node: string, h: Hash): Registration | undefined {
  if (h.jid === undefined) return undefined;
  return {
    node,
    secretHash: h.secretHash ?? '',
    jid: h.jid,
    muc: h.muc || undefined,
    provider: h.provider as ProviderName,
    deviceId: h.deviceId ?? '',
    relay: h.relay ?? '',
    token: h.token ?? '',
    createdAt: Number(h.createdAt),
  };
}

function taken(reply: unknown): Registration[] {
  return (reply as Array<[string, string[]]>)
    .map(([node, flat]) => toRegistration(node, fromPairs(flat)))
    .filter((r): r is Registration => r !== undefined);
}

export function redisRegistrations(c: Ctx): RegistrationStore {
  const put = c.script('reg_put', PUT);
  const remove = c.script('reg_remove', REMOVE);

  return {
    async get(node) {
      return toRegistration(node, await c.redis.hgetall(c.key('reg', node)));
    },
    async put(reg) {
      const { node, jid, provider, deviceId, relay, token, secretHash, createdAt } = reg;
      const args = [
        node,
        jid,
        reg.muc ?? '',
        provider,
        deviceId,
        relay,
        token,
        secretHash,
        createdAt,
      ];
      return { replaced: taken(await put(...args)) };
    },
    async remove(key) {
      const muc = key.muc === undefined ? [] : [key.muc];
      return taken(await remove(key.jid, key.provider, key.deviceId, ...muc));
    },
    async listByJid(jid) {
      const nodes = await c.redis.zrange(c.key('regs', 'jid', jid), 0, '-1');
      const found = await c.hashes(nodes.map((n) => c.key('reg', n)));
      return nodes
        .map((n, i) => toRegistration(n, found[i] ?? {}))
        .filter((r): r is Registration => r !== undefined);
    },
  };
}
