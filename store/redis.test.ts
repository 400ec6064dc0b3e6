// Runs the store contract against the Redis store: a private redis-server, a fresh prefix per test.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { describeStoreContract } from './contract.js';
import { openStore } from './open.js';
import { COMMAND_TIMEOUT_MS, openRedisStore } from './redis/index.js';

let server: RedisServer | undefined;
const url = () => {
  if (!server) throw new Error('redis-server not started');
  return server.url;
};
const freshPrefix = () => `xpr-test-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  server = await startRedis();
}, 30_000);

afterAll(async () => {
  await server?.stop();
}, 30_000);

describeStoreContract(
  'redis',
  async () => {
    const prefix = freshPrefix();
    return { open: () => openRedisStore(url(), { prefix }) };
  },
  { sharedLimits: true },
);

describe('redis store schema', () => {
  it('records the schema version and keeps every key under its prefix', async () => {
    const prefix = freshPrefix();
    const store = await openRedisStore(url(), { prefix });
    const raw = new Redis(url(), { protocol: 2 });
    try {
      const a = await store.accounts.create({ username: 'alice' }, 1);
      if (a === 'conflict') throw new Error('conflict');
      await store.devices.upsert(
        { owner: a.id, provider: 'fcm', deviceId: 'd', deviceToken: 't' },
        2,
      );
      await store.limiter({ name: 'l', points: 1, durationS: 60 }).consume('k');
      expect(await raw.get(`${prefix}:schema`)).toBe('3');
      const keys = await raw.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(3);
      for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}:(v1:|schema$)`));
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('leaves only the id counters behind when an account is removed', async () => {
    const prefix = freshPrefix();
    const store = await openRedisStore(url(), { prefix });
    const raw = new Redis(url(), { protocol: 2 });
    try {
      const a = await store.accounts.create({ username: 'alice', email: 'a@example.org' }, 1);
      if (a === 'conflict') throw new Error('conflict');
      await store.accounts.addApiKey('key', a.id, 1);
      const whole = await store.tokens.add('hash-account', {
        owner: a.id,
        scope: 'account',
        name: 'n',
        createdAt: 3,
        expiresAt: 1e12,
      });
      const jid = 'romeo@example.org';
      await store.collected.put({ jid, target: { kind: 'token', token: whole.id }, createdAt: 3 });
      for (const deviceId of ['one', 'two']) {
        const d = await store.devices.upsert(
          { owner: a.id, provider: 'apns', deviceId, deviceToken: 't' },
          2,
        );
        const t = await store.tokens.add(`hash-${deviceId}`, {
          deviceId: d.id,
          owner: a.id,
          scope: 'device',
          name: 'n',
          createdAt: 3,
        });
        const reg = { secretHash: 's', jid, provider: 'apns' as const, deviceId, createdAt: 3 };
        await store.registrations.put({
          ...reg,
          node: `dev-${deviceId}`,
          target: { kind: 'device', device: d.id },
        });
        await store.registrations.put({
          ...reg,
          node: `tok-${deviceId}`,
          muc: 'room@muc.example.org',
          target: { kind: 'token', token: t.id },
        });
        await store.queue.enqueue(d.id, { payload: '{"n":1}', priority: 'high' }, 0, 4);
        await store.queue.claim(1, 4, 100);
        await store.queue.enqueue(d.id, { payload: '{"n":2}', priority: 'low' }, 0, 5);
      }
      expect(await store.accounts.remove(a.id)).toBe(true);
      const left = (await raw.keys(`${prefix}:*`)).map((k) => k.slice(prefix.length + 1)).sort();
      expect(left).toEqual([
        'schema',
        'v1:seq:account',
        'v1:seq:device',
        'v1:seq:job',
        'v1:seq:lease',
        'v1:seq:token',
      ]);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('schema 3 indexes the expiry of tokens written before it, so they are purged', async () => {
    const prefix = freshPrefix();
    const raw = new Redis(url(), { protocol: 2 });
    let store = await openRedisStore(url(), { prefix });
    try {
      const a = await store.accounts.create({ username: 'alice' }, 1);
      if (a === 'conflict') throw new Error('conflict');
      const t = { owner: a.id, scope: 'account' as const, name: 'n', createdAt: 1 };
      for (let i = 0; i < 600; i++) await store.tokens.add(`old-${i}`, { ...t, expiresAt: 10 });
      const kept = await store.tokens.add('kept', { ...t, expiresAt: 1000 });
      const forever = await store.tokens.add('forever', t);
      await store.close();
      // As schema 2 left them: no expiry index.
      await raw.del(`${prefix}:v1:tokens:expiry`);
      await raw.set(`${prefix}:schema`, '2');
      store = await openRedisStore(url(), { prefix });
      expect(await raw.get(`${prefix}:schema`)).toBe('3');
      expect(await store.tokens.purgeExpired(100)).toBe(600);
      expect(await store.tokens.listByOwner(a.id)).toEqual([kept, forever]);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('refuses data written by a newer program', async () => {
    const prefix = freshPrefix();
    const raw = new Redis(url(), { protocol: 2 });
    try {
      await raw.set(`${prefix}:schema`, '99');
      await expect(openRedisStore(url(), { prefix })).rejects.toThrow(/newer/);
    } finally {
      raw.disconnect();
    }
  });

  it('reports an outage through ping and still closes', async () => {
    const own = await startRedis();
    const store = await openRedisStore(own.url, { prefix: freshPrefix(), onError: () => {} });
    try {
      await store.ping();
      await own.stop();
      await expect(store.ping()).rejects.toThrow();
    } finally {
      await store.close();
      await own.stop();
    }
  }, 30_000);

  it('fails a command Redis does not answer, after COMMAND_TIMEOUT_MS', async () => {
    const store = await openRedisStore(url(), { prefix: freshPrefix(), onError: () => {} });
    const raw = new Redis(url(), { protocol: 2 });
    try {
      await store.ping();
      // A script that keeps Redis busy for twice the timeout: Redis reads no other command meanwhile.
      const busy = raw.eval(
        `local t = redis.call('TIME'); local stop = t[1] * 1e6 + t[2] + ${2 * COMMAND_TIMEOUT_MS * 1000}
         repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] >= stop; return 1`,
        0,
      );
      await sleep(50);
      await expect(store.ping()).rejects.toThrow('Command timed out');
      expect(await busy).toBe(1);
      await store.ping();
    } finally {
      raw.disconnect();
      await store.close();
    }
  }, 30_000);

  it('takes an answer that came in time though our event loop was too busy to read it', async () => {
    const store = await openRedisStore(url(), { prefix: freshPrefix() });
    try {
      await store.ping();
      const answered = store.ping().then(() => 'answered');
      await new Promise((resolve) => setImmediate(resolve)); // the command is written
      const until = Date.now() + COMMAND_TIMEOUT_MS + 500;
      while (Date.now() < until) {
        // one turn of the event loop that outlasts the timeout; Redis answers meanwhile
      }
      await expect(answered).resolves.toBe('answered');
    } finally {
      await store.close();
    }
  }, 30_000);

  it('is what openStore opens for a redis:// URL', async () => {
    const store = await openStore({ path: '/nonexistent/never-made', url: url() });
    try {
      await store.ping();
      const raw = new Redis(url(), { protocol: 2 });
      expect(await raw.get('xpr:schema')).toBe('3');
      raw.disconnect();
    } finally {
      await store.close();
    }
  });

  it('with min_replicas, an acknowledged write fails when no replica confirms it; reads go on', async () => {
    const store = await openRedisStore(url(), {
      prefix: freshPrefix(),
      minReplicas: 1,
      minReplicasTimeoutMs: 50,
    });
    try {
      const err = await store.accounts.create({ username: 'alice' }, 1).catch((e: Error) => e);
      expect((err as Error).message).toBe(
        'only 0 of 1 Redis replicas confirmed the write within 50 ms',
      );
      expect(await store.accounts.getByUsername('alice')).toMatchObject({ username: 'alice' });
      expect(await store.queue.stats(1)).toEqual({ depth: 0, oldestAgeMs: 0 });
    } finally {
      await store.close();
    }
  });

  it('fails to open when Redis does not answer, without the URL in the error', async () => {
    const secretUrl = 'redis://:hunter2@127.0.0.1:1';
    const err = await openRedisStore(secretUrl).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).not.toContain('hunter2');
  });
});
