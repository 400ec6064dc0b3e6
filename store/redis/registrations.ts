// Redis XEP-0357 registrations: node → target, one per jid/provider/deviceId/muc.
import type { ProviderName } from '../../lib/providers.js';
import type { Registration, RegistrationStore, Target } from '../types.js';
import { type Ctx, fromPairs, type Hash } from './ctx.js';

// ARGV: node, jid, muc ('' for none), provider, deviceId, secretHash, createdAt, then the
// target's fields: 'kind', kind, and 'device', id | 'token', id | 'relay', name, 'token', token.
const PUT = `
local node, jid, muc, provider, device_id = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local kind, ref = ARGV[10], ARGV[12]
if kind == 'device' and redis.call('EXISTS', P .. 'device:' .. ref) == 0 then
  return redis.error_reply('no such device')
end
if kind == 'token' and redis.call('EXISTS', P .. 'token:' .. ref) == 0 then
  return redis.error_reply('no such token')
end
local r = P .. 'reg:' .. node
local old = redis.call('HMGET', r, 'jid', 'provider', 'deviceId', 'muc')
if old[1] and (old[1] ~= jid or old[2] ~= provider or old[3] ~= device_id or old[4] ~= muc) then
  return redis.error_reply('registration node exists')
end
local replaced = {}
local previous = redis.call('HGET', reg_slot(jid, provider, device_id), muc)
if previous then replaced[1] = drop_reg(previous) end
redis.call('HSET', r, 'jid', jid, 'muc', muc, 'provider', provider, 'deviceId', device_id,
  'secretHash', ARGV[7], 'createdAt', ARGV[8])
for i = 9, #ARGV, 2 do redis.call('HSET', r, ARGV[i], ARGV[i + 1]) end
index_reg(node)
return replaced
`;

// ARGV: jid, provider, deviceId, then optionally muc.
const REMOVE = `
local slot = reg_slot(ARGV[2], ARGV[3], ARGV[4])
local nodes
if ARGV[5] then nodes = {redis.call('HGET', slot, ARGV[5])} else nodes = redis.call('HVALS', slot) end
local removed = {}
for _, node in ipairs(nodes) do
  if node then removed[#removed + 1] = drop_reg(node) end
end
return removed
`;

/** The target as the field/value pairs of a reg:<node> (or collected) hash. */
function targetFields(t: Target): string[] {
  switch (t.kind) {
    case 'device':
      return ['kind', 'device', 'device', t.device];
    case 'token':
      return ['kind', 'token', 'token', t.token];
    case 'remote':
      return ['kind', 'remote', 'token', t.token, 'relay', t.relay];
  }
}

function toTarget(h: Hash): Target | undefined {
  if (h.kind === 'device' && h.device !== undefined) return { kind: 'device', device: h.device };
  if (h.token === undefined) return undefined;
  if (h.kind === 'token') return { kind: 'token', token: h.token };
  if (h.kind === 'remote' && h.relay !== undefined) {
    return { kind: 'remote', relay: h.relay, token: h.token };
  }
  return undefined;
}

function toRegistration(node: string, h: Hash): Registration | undefined {
  const target = toTarget(h);
  if (h.jid === undefined || target === undefined) return undefined;
  return {
    node,
    secretHash: h.secretHash ?? '',
    jid: h.jid,
    muc: h.muc || undefined,
    provider: h.provider as ProviderName,
    deviceId: h.deviceId ?? '',
    target,
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
      const { node, jid, provider, deviceId, secretHash, createdAt } = reg;
      const args = [node, jid, reg.muc ?? '', provider, deviceId, secretHash, createdAt];
      return { replaced: taken(await put(...args, ...targetFields(reg.target))) };
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
    async countByJid(jid) {
      return c.redis.zcard(c.key('regs', 'jid', jid));
    },
  };
}
