// Errors from Redis carry the command's arguments (device tokens, relay tokens, message text):
// what the process logs of them must not.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { createLogger } from '../lib/log.js';
import { openRedisStore } from '../store/redis/index.js';
import type { Store } from '../store/types.js';

let redis: RedisServer;
let store: Store;

beforeAll(async () => {
  redis = await startRedis();
  store = await openRedisStore(redis.url, { prefix: `log${Date.now()}` });
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

it('logs a failed Redis command without its arguments', async () => {
  const deviceToken = 'f00d'.repeat(16);
  const err = await store.devices
    .upsert({ owner: '424242', provider: 'apns', deviceId: 'phone', deviceToken }, 1)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  createLogger('info', sink).error({ err }, 'delivery failed');
  expect(out).toContain('no such account');
  expect(out).not.toContain(deviceToken);
});
