// The Redis store's migration from schema 1: a data set written with raw commands exactly as the
// schema 1 code wrote it, opened by openRedisStore, checked record by record, and published
// through by the component.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { call, publishOver, publishXml, relayOver } from '../component/test-kit.js';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { openRedisStore } from '../store/redis/index.js';
import type { Store } from '../store/types.js';

let server: RedisServer | undefined;
let raw: Redis;

beforeAll(async () => {
  server = await startRedis();
  raw = new Redis(server.url, { protocol: 2 });
}, 30_000);

afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
}, 30_000);

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const secret = () => randomBytes(20).toString('hex');

/** Writes schema 1 records under `<base>:v1:` as the schema 1 Lua scripts did. */
function schema1(base: string) {
  const P = `${base}:v1:`;
  const next = async (seq: string) => String(await raw.incr(`${P}seq:${seq}`));
  return {
    async account(username: string, createdAt: number, passwordHash?: string) {
      const id = await next('account');
      await raw.hset(`${P}accounts:by-name`, username, id);
      await raw.hset(`${P}account:${id}`, 'username', username, 'createdAt', createdAt);
      if (passwordHash) await raw.hset(`${P}account:${id}`, 'passwordHash', passwordHash);
      return id;
    },
    async device(owner: string, provider: string, deviceId: string, createdAt: number) {
      const id = await next('device');
      await raw.hset(`${P}devices:by-key`, `${owner}:${provider}:${deviceId}`, id);
      await raw.sadd(`${P}account:${owner}:devices`, id);
      const d = `${P}device:${id}`;
      await raw.hset(d, 'owner', owner, 'provider', provider, 'deviceId', deviceId);
      await raw.hset(d, 'createdAt', createdAt, 'successCount', 0, 'errorCount', 0);
      await raw.hset(d, 'deviceToken', `push-token-${deviceId}`, 'active', 1);
      return id;
    },
    /** Schema 1 tied every token to a device, account tokens too. */
    async token(token: string, device: string, owner: string, scope: string, name: string) {
      const id = await next('token');
      await raw.hset(`${P}tokens:by-hash`, sha256(token), id);
      await raw.hset(`${P}token:${id}`, 'hash', sha256(token), 'device', device, 'owner', owner);
      await raw.hset(`${P}token:${id}`, 'scope', scope, 'name', name, 'createdAt', 100);
      await raw.sadd(`${P}device:${device}:tokens`, id);
      await raw.sadd(`${P}account:${owner}:tokens`, id);
      return id;
    },
    async registration(r: {
      node: string;
      jid: string;
      muc?: string;
      provider: string;
      deviceId: string;
      relay: string;
      token: string;
      createdAt: number;
    }) {
      await raw.hset(`${P}reg:${r.node}`, {
        jid: r.jid,
        muc: r.muc ?? '',
        provider: r.provider,
        deviceId: r.deviceId,
        relay: r.relay,
        token: r.token,
        secretHash: sha256(`secret-${r.node}`),
        createdAt: r.createdAt,
      });
      await raw.zadd(`${P}regs:jid:${r.jid}`, r.createdAt, r.node);
    },
    /** A job waiting for `device`: untried, or parked for a retry when `attempts` > 0. */
    async job(device: string, payload: string, attempts: number, due: number, createdAt: number) {
      const id = await next('job');
      await raw.hset(`${P}job:${id}`, 'device', device, 'payload', payload);
      await raw.hset(`${P}job:${id}`, 'attempts', attempts, 'createdAt', createdAt);
      await raw.zadd(`${P}queue:due`, due, id);
      await raw.zadd(`${P}queue:created`, createdAt, id);
      await raw.sadd(`${P}device:${device}:jobs`, id);
      // Enqueued at createdAt (due then); a retry parked it until `due`.
      await raw.hset(`${P}device:${device}`, 'waiting', id, 'lastDueAt', createdAt);
      return id;
    },
  };
}

/** Every string held under `<base>:`: key names, values, fields, members. */
async function everything(base: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await raw.keys(`${base}:*`)) {
    out.push(key);
    const type = await raw.type(key);
    if (type === 'string') out.push((await raw.get(key)) ?? '');
    if (type === 'hash') out.push(...Object.entries(await raw.hgetall(key)).flat());
    if (type === 'set') out.push(...(await raw.smembers(key)));
    if (type === 'zset') out.push(...(await raw.zrange(key, 0, '-1')));
  }
  return out;
}

it('migrates schema 1: registrations and collected tokens name their targets', async () => {
  if (!server) throw new Error('redis-server not started');
  const base = `xpr-migrate-${randomBytes(6).toString('hex')}`;
  const v1 = schema1(base);
  const romeo = 'romeo@localhost';
  const room = 'room@muc.localhost';
  const clear = {
    plain: secret(),
    room: secret(),
    relay: secret(),
    collected: secret(),
    revoked: secret(),
    remote: secret(),
    remoteCollected: secret(),
  };

  // romeo's XMPP account: an APNs device, a token of its own for each registration of it.
  const xmppAccount = await v1.account(`xmpp:${romeo}`, 10);
  const phone = await v1.device(xmppAccount, 'apns', 'romeo-phone', 11);
  const plainToken = await v1.token(clear.plain, phone, xmppAccount, 'device', 'xmpp');
  const roomToken = await v1.token(clear.room, phone, xmppAccount, 'device', `xmpp:${room}`);
  const own = { jid: romeo, provider: 'apns', deviceId: 'romeo-phone', relay: 'local' };
  await v1.registration({ ...own, node: 'n-plain', token: clear.plain, createdAt: 20 });
  await v1.registration({ ...own, node: 'n-room', muc: room, token: clear.room, createdAt: 21 });
  // An HTTP account whose account tokens romeo registered and handed over.
  const alice = await v1.account('alice', 30, 'scrypt$x');
  const alicePhone = await v1.device(alice, 'fcm', 'alice-phone', 31);
  const relayToken = await v1.token(clear.relay, alicePhone, alice, 'account', 'web');
  const collectedToken = await v1.token(clear.collected, alicePhone, alice, 'account', 'other');
  const viaRelay = { jid: romeo, provider: 'relay', relay: 'local' };
  await v1.registration({
    ...viaRelay,
    node: 'n-relay',
    deviceId: 'tablet',
    token: clear.relay,
    createdAt: 22,
  });
  await v1.registration({
    ...viaRelay,
    node: 'n-revoked',
    deviceId: 'old',
    token: clear.revoked,
    createdAt: 23,
  });
  await v1.registration({
    node: 'n-remote',
    jid: romeo,
    provider: 'fcm',
    deviceId: 'romeo-android',
    relay: 'other',
    token: clear.remote,
    createdAt: 24,
  });
  await v1.registration({
    ...viaRelay,
    node: 'n-collected-local',
    deviceId: 'collected:local',
    token: clear.collected,
    createdAt: 26,
  });
  await v1.registration({
    ...viaRelay,
    node: 'n-collected-remote',
    deviceId: 'collected:other',
    relay: 'other',
    token: clear.remoteCollected,
    createdAt: 25,
  });
  const waiting = await v1.job(phone, '{"priority":"low","messageCount":1}', 0, 40, 40);
  const parked = await v1.job(alicePhone, '{"messageCount":2,"lastBody":"hi"}', 1, 9_000, 41);
  await raw.set(`${base}:schema`, '1');

  const check = async (s: Store) => {
    const plain = {
      node: 'n-plain',
      secretHash: sha256('secret-n-plain'),
      jid: romeo,
      provider: 'apns',
      deviceId: 'romeo-phone',
      target: { kind: 'device', device: phone },
      createdAt: 20,
    };
    const roomReg = {
      ...plain,
      node: 'n-room',
      secretHash: sha256('secret-n-room'),
      muc: room,
      createdAt: 21,
    };
    const relay = {
      node: 'n-relay',
      secretHash: sha256('secret-n-relay'),
      jid: romeo,
      provider: 'relay',
      deviceId: 'tablet',
      target: { kind: 'token', token: relayToken },
      createdAt: 22,
    };
    const remote = {
      node: 'n-remote',
      secretHash: sha256('secret-n-remote'),
      jid: romeo,
      provider: 'fcm',
      deviceId: 'romeo-android',
      target: { kind: 'remote', relay: 'other', token: clear.remote },
      createdAt: 24,
    };
    expect(await s.registrations.listByJid(romeo)).toEqual([plain, roomReg, relay, remote]);
    for (const node of ['n-revoked', 'n-collected-local', 'n-collected-remote']) {
      expect(await s.registrations.get(node)).toBeUndefined();
    }
    expect(await s.collected.listByJid(romeo)).toEqual([
      {
        jid: romeo,
        target: { kind: 'remote', relay: 'other', token: clear.remoteCollected },
        createdAt: 25,
      },
      { jid: romeo, target: { kind: 'token', token: collectedToken }, createdAt: 26 },
    ]);
    // The tokens made for romeo's registrations are gone; alice's belong to her account only.
    for (const id of [plainToken, roomToken]) expect(await s.tokens.get(id)).toBeUndefined();
    expect(await s.tokens.listByOwner(xmppAccount)).toEqual([]);
    const aliceTokens = await s.tokens.listByOwner(alice);
    expect(aliceTokens).toEqual([
      { id: relayToken, owner: alice, scope: 'account', name: 'web', createdAt: 100 },
      { id: collectedToken, owner: alice, scope: 'account', name: 'other', createdAt: 100 },
    ]);
    for (const t of aliceTokens) expect(t).not.toHaveProperty('deviceId');
    expect(await s.tokens.getByHash(sha256(clear.relay))).toMatchObject({ id: relayToken });
    expect(await s.devices.get(phone)).toMatchObject({
      owner: xmppAccount,
      deviceId: 'romeo-phone',
    });
    expect(await s.devices.listByOwner(alice)).toMatchObject([{ id: alicePhone }]);
    expect(await s.accounts.getByUsername('alice')).toMatchObject({ passwordHash: 'scrypt$x' });
    expect((await s.queue.stats(50)).depth).toBe(2);
  };

  let store = await openRedisStore(server.url, { prefix: base });
  try {
    expect(await raw.get(`${base}:schema`)).toBe('3');
    await check(store);
    // No whitelist token of this relay is left in clear; the remote ones are, to be sent on.
    const held = await everything(base);
    for (const t of [clear.plain, clear.room, clear.relay, clear.collected, clear.revoked]) {
      expect(held).not.toContain(t);
    }
    expect(held).toContain(clear.remote);
    expect(held).toContain(clear.remoteCollected);

    // A migration cut short runs again from the start, changing nothing already done.
    await store.close();
    await raw.set(`${base}:schema`, '1');
    store = await openRedisStore(server.url, { prefix: base });
    await check(store);

    // The waiting job got its payload's priority and takes a push for the migrated device.
    const push = { payload: '{"messageCount":2,"lastSender":"juliet"}', priority: 'high' as const };
    expect(await store.queue.enqueue(phone, push, 0, 50)).toBe('coalesced');
    // The parked one (a retry in backoff) is not merged into: the push takes it along.
    const second = { payload: '{"messageCount":3}', priority: 'low' as const };
    expect(await store.queue.enqueue(alicePhone, second, 0, 51)).toBe('queued');
    const jobs = await store.queue.claim(10, 60, 1000);
    expect(jobs.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      {
        id: waiting,
        deviceId: phone,
        payload: expect.any(String),
        priority: 'high',
        attempts: 1,
        createdAt: 40,
        lease: expect.any(String),
      },
      {
        id: parked,
        deviceId: alicePhone,
        payload: expect.any(String),
        priority: 'high',
        attempts: 1,
        createdAt: 41,
        lease: expect.any(String),
      },
    ]);
    expect(JSON.parse(jobs[0]?.payload ?? '')).toEqual({
      priority: 'low',
      messageCount: 2,
      lastSender: 'juliet',
    });
    expect(JSON.parse(jobs[1]?.payload ?? '')).toEqual({ messageCount: 3, lastBody: 'hi' });

    // The migrated records are indexed like new ones: re-registering replaces, removing the
    // device ends its registrations, revoking a token ends what points at it.
    const again = await store.registrations.put({
      node: 'n-plain-2',
      secretHash: 's',
      jid: romeo,
      provider: 'apns',
      deviceId: 'romeo-phone',
      target: { kind: 'device', device: phone },
      createdAt: 60,
    });
    expect(again.replaced.map((r) => r.node)).toEqual(['n-plain']);
    await store.devices.remove(phone);
    expect(await store.registrations.get('n-room')).toBeUndefined();
    expect(await store.registrations.get('n-plain-2')).toBeUndefined();
    await store.devices.remove(alicePhone);
    expect(await store.tokens.removeById(relayToken, alice)).toBe(true);
    expect(await store.tokens.removeById(collectedToken, alice)).toBe(true);
    expect(await store.registrations.listByJid(romeo)).toMatchObject([{ node: 'n-remote' }]);
    expect(await store.collected.listByJid(romeo)).toMatchObject([{ target: { relay: 'other' } }]);
  } finally {
    await store.close();
  }
});

it('publishes through registrations written by schema 1', async () => {
  if (!server) throw new Error('redis-server not started');
  const base = `xpr-migrate-${randomBytes(6).toString('hex')}`;
  const v1 = schema1(base);
  const romeo = 'romeo@localhost';
  const own = secret();
  const alices = secret();
  const xmppAccount = await v1.account(`xmpp:${romeo}`, 10);
  const phone = await v1.device(xmppAccount, 'apns', 'romeo-phone', 11);
  await v1.token(own, phone, xmppAccount, 'device', 'xmpp');
  await v1.registration({
    node: 'n-plain',
    jid: romeo,
    provider: 'apns',
    deviceId: 'romeo-phone',
    relay: 'local',
    token: own,
    createdAt: 20,
  });
  const alice = await v1.account('alice', 30, 'scrypt$x');
  const alicePhone = await v1.device(alice, 'fcm', 'alice-phone', 31);
  await v1.token(alices, alicePhone, alice, 'account', 'web');
  await v1.registration({
    node: 'n-relay',
    jid: romeo,
    provider: 'relay',
    deviceId: 'tablet',
    relay: 'local',
    token: alices,
    createdAt: 21,
  });
  await raw.set(`${base}:schema`, '1');

  const store = await openRedisStore(server.url, { prefix: base });
  try {
    const route = publishOver(relayOver(store));
    const publish = (node: string) => publishXml(node, `secret-${node}`);
    expect(await call(route, 'localhost', publish('n-plain'))).toEqual({ result: undefined });
    expect(await call(route, 'localhost', publish('n-relay'))).toEqual({ result: undefined });
    const jobs = await store.queue.claim(10, Date.now() + 1000, Date.now() + 2000);
    expect(jobs.map((j) => j.deviceId).sort()).toEqual([phone, alicePhone].sort());
  } finally {
    await store.close();
  }
});
