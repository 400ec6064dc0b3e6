// Redis tokens collected from users' clients: one per jid and relay, `local` ones by token id.
import { type CollectedStore, type CollectedToken, targetRelay } from '../types.js';
import type { Ctx } from './ctx.js';

// collected:<jid> is a ZSET of relays by createdAt, collected:<jid>:tokens a hash relay → token
// (the token id for `local`, else the other relay's token as it is).

// ARGV: jid, relay, token, createdAt
const PUT = `
if ARGV[3] == 'local' and redis.call('EXISTS', P .. 'token:' .. ARGV[4]) == 0 then
  return redis.error_reply('no such token')
end
put_collected(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1
`;

// ARGV: jid, relay
const REMOVE = `
local jid, relay = ARGV[2], ARGV[3]
local c = P .. 'collected:' .. jid
local token = redis.call('HGET', c .. ':tokens', relay)
if not token then return 0 end
if relay == 'local' then redis.call('SREM', P .. 'token:' .. token .. ':collected', jid) end
redis.call('HDEL', c .. ':tokens', relay)
redis.call('ZREM', c, relay)
return 1
`;

export function redisCollected(c: Ctx): CollectedStore {
  const put = c.script('collected_put', PUT);
  const remove = c.script('collected_remove', REMOVE);

  return {
    async put(t) {
      await put(t.jid, targetRelay(t.target), t.target.token, t.createdAt);
    },
    async listByJid(jid) {
      const key = c.key('collected', jid);
      const replies = await c.redis
        .multi()
        .zrange(key, 0, '-1', 'WITHSCORES')
        .hgetall(`${key}:tokens`)
        .exec();
      const failed = replies?.find(([err]) => err)?.[0];
      if (failed) throw failed;
      const order = (replies?.[0]?.[1] ?? []) as string[];
      const tokens = (replies?.[1]?.[1] ?? {}) as Record<string, string>;
      const out: CollectedToken[] = [];
      for (let i = 0; i + 1 < order.length; i += 2) {
        const relay = order[i] as string;
        const token = tokens[relay];
        if (token === undefined) continue;
        const target =
          relay === 'local'
            ? { kind: 'token' as const, token }
            : { kind: 'remote' as const, relay, token };
        out.push({ jid, target, createdAt: Number(order[i + 1]) });
      }
      return out;
    },
    async remove(jid, relay) {
      return (await remove(jid, relay)) === 1;
    },
  };
}
