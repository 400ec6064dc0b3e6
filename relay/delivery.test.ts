import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { createLogger } from '../lib/log.js';
import { openRedisStore } from '../store/redis/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Environment, Job, Store } from '../store/types.js';
import { appSender } from './app-senders.js';
import { createApps } from './apps.js';
import { createConfigSuspects } from './config-suspects.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery.js';
import type { Provider, PushMessage, SendResult } from './provider.js';
import { sendersOver, testApp, testApps } from './test-kit.js';

const log = createLogger('silent');

/** A provider that answers from a script, in order, and records what it was given. */
function scripted(results: SendResult[]): Provider & { sent: PushMessage[] } {
  const sent: PushMessage[] = [];
  return {
    name: 'apns',
    sent,
    async send(m) {
      sent.push(m);
      return results.shift() ?? { ok: true };
    },
    async close() {},
  };
}

async function addDevice(store: Store) {
  const account = await store.accounts.create({ username: 'romeo' }, 0);
  if (account === 'conflict') throw new Error('conflict');
  return store.devices.upsert(
    { owner: account.id, provider: 'apns', deviceId: 'd', deviceToken: 'tok' },
    0,
  );
}

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('delivery worker', () => {
  let store: Store;
  let worker: DeliveryWorker;
  afterEach(async () => {
    await worker?.stop();
    await store?.close();
  });

  async function setup(
    results: SendResult[],
    maxAttempts = 3,
    logger = log,
    retryInitialMs = 10,
    onResult?: (app: unknown, result: SendResult) => void,
  ) {
    store = openSqliteStore(':memory:');
    const provider = scripted(results);
    const apps = testApps();
    worker = createDeliveryWorker({
      store,
      apps,
      senders: sendersOver(apps, provider),
      log: logger,
      maxAttempts,
      retryInitialMs,
      retryMaxMs: 20,
      pollMs: 10,
      onResult,
    });
    const device = await addDevice(store);
    await store.queue.enqueue(device.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    worker.start();
    return { provider, device };
  }

  const depth = async () => (await store.queue.stats(Date.now())).depth;

  /** One send at a time, and no poll to speak of: a job goes out because it was handed over. */
  function handOffWorker(over: Store, provider: Provider) {
    const apps = testApps();
    return createDeliveryWorker({
      store: over,
      apps,
      senders: sendersOver(apps, provider),
      log,
      concurrency: 1,
      maxAttempts: 3,
      retryInitialMs: 10,
      retryMaxMs: 20,
      pollMs: 60_000,
    });
  }

  it('delivers a job and removes it from the queue', async () => {
    const { provider, device } = await setup([]);
    await until(async () => (await depth()) === 0);
    expect(provider.sent).toEqual([
      { deviceToken: 'tok', notification: { priority: 'high' }, collapseId: 'xmpp-push' },
    ]);
    expect(await store.devices.get(device.id)).toMatchObject({ successCount: 1, active: true });
  });

  it('delivers a job handed over at its enqueue, leased in that commit: no claim, no wake-up', async () => {
    store = openSqliteStore(':memory:');
    const sent: PushMessage[] = [];
    let answer = () => {};
    const provider: Provider = {
      name: 'apns',
      async send(m) {
        sent.push(m);
        await new Promise<void>((r) => {
          answer = r;
        });
        return { ok: true };
      },
      async close() {},
    };
    worker = handOffWorker(store, provider);
    const device = await addDevice(store);
    expect(worker.reserve()).toBeUndefined();
    worker.start();
    const leaseUntil = worker.reserve();
    if (leaseUntil === undefined) throw new Error('no room');
    // One job at a time: no room for a second one.
    expect(worker.reserve()).toBeUndefined();
    const push = { payload: '{"data":"x"}', priority: 'high' } as const;
    const job = await store.queue.enqueueLeased(device.id, push, 0, Date.now(), leaseUntil);
    worker.adopt(typeof job === 'object' ? job : undefined, device);
    await until(async () => sent.length === 1);
    expect(sent[0]?.notification).toEqual({ priority: 'high', data: 'x' });
    // Leased while it is out: nobody else claims it.
    expect(await store.queue.claim(10, Date.now(), Date.now() + 1000)).toEqual([]);
    answer();
    await until(async () => (await depth()) === 0);
    expect(await store.devices.get(device.id)).toMatchObject({ successCount: 1 });
    expect(sent).toHaveLength(1);
  });

  it('a push enqueued while there is no room goes out when there is, before newer ones are handed over', async () => {
    store = openSqliteStore(':memory:');
    const sent: string[] = [];
    const answers: Array<() => void> = [];
    const provider: Provider = {
      name: 'apns',
      async send(m) {
        sent.push(m.deviceToken);
        await new Promise<void>((r) => answers.push(r));
        return { ok: true };
      },
      async close() {},
    };
    worker = handOffWorker(store, provider);
    const first = await addDevice(store);
    const second = await store.devices.upsert(
      { owner: first.owner, provider: 'apns', deviceId: 'e', deviceToken: 'tok2' },
      0,
    );
    worker.start();
    const push = { payload: '{}', priority: 'high' } as const;
    const job = await store.queue.enqueueLeased(
      first.id,
      push,
      0,
      Date.now(),
      worker.reserve() as number,
    );
    worker.adopt(typeof job === 'object' ? job : undefined, first);
    await until(async () => sent.length === 1);
    // No room: queued without a lease, as the relay service does.
    expect(worker.reserve()).toBeUndefined();
    await store.queue.enqueue(second.id, push, 0, Date.now());
    worker.wake();
    answers.shift()?.();
    // Claimed as soon as there is room (the poll is a minute away); newer pushes wait behind it.
    expect(worker.reserve()).toBeUndefined();
    await until(async () => sent.length === 2);
    expect(sent).toEqual(['tok', 'tok2']);
    answers.shift()?.();
    await until(async () => (await depth()) === 0);
  });

  it('retries transient failures with backoff, then delivers', async () => {
    const { provider } = await setup([
      { ok: false, kind: 'retry', reason: 'TooManyRequests' },
      { ok: false, kind: 'retry', reason: 'InternalServerError' },
    ]);
    await until(async () => (await depth()) === 0);
    expect(provider.sent).toHaveLength(3);
  });

  it('gives up after max attempts and records the last error', async () => {
    const fail: SendResult = { ok: false, kind: 'retry', reason: 'ServiceUnavailable' };
    const { provider, device } = await setup([fail, fail, fail, fail], 2);
    await until(async () => (await depth()) === 0);
    expect(provider.sent).toHaveLength(2);
    expect(await store.devices.get(device.id)).toMatchObject({
      lastError: 'ServiceUnavailable',
      errorCount: 2,
    });
  });

  it('honours Retry-After only up to retry_max_ms', async () => {
    const { provider } = await setup([
      { ok: false, kind: 'retry', reason: 'TooManyRequests', retryAfterMs: 86_400_000 },
    ]);
    // retryMaxMs is 20 ms here: a day's Retry-After must not hold the push back.
    await until(async () => provider.sent.length === 2, 2000);
    await until(async () => (await depth()) === 0);
  });

  it('retires a dead device and does not retry', async () => {
    const { provider, device } = await setup([{ ok: false, kind: 'dead', reason: 'Unregistered' }]);
    await until(async () => (await depth()) === 0);
    expect(provider.sent).toHaveLength(1);
    expect(await store.devices.get(device.id)).toMatchObject({
      active: false,
      lastError: 'Unregistered',
    });
  });

  it('MUST NOT hold a new push back behind an earlier one that it is retrying after a failed delivery', async () => {
    // The first attempt fails and asks to wait a minute; a push arriving meanwhile goes at once.
    const { provider, device } = await setup([
      { ok: false, kind: 'retry', reason: 'TooManyRequests', retryAfterMs: 60_000 },
    ]);
    await until(async () => provider.sent.length === 1);
    const later = { payload: JSON.stringify({ data: 'later' }), priority: 'low' as const };
    await store.queue.enqueue(device.id, later, 0, Date.now());
    worker.wake();
    await until(async () => provider.sent.length === 2, 2000);
    // It carries what the earlier push carried (priority high) with the later data.
    expect(provider.sent[1]?.notification).toEqual({ priority: 'high', data: 'later' });
    await until(async () => (await depth()) === 0);
  });

  it("sends each device's push through its own app: connection, environment, topic, VoIP", async () => {
    store = openSqliteStore(':memory:');
    const [prodA, prodB, sandB, fcm] = [scripted([]), scripted([]), scripted([]), scripted([])];
    const a = testApp('alpha', 'apns');
    const b = testApp('beta', 'apns', {
      isDefault: false,
      environments: ['production', 'sandbox'],
      voip: true,
    });
    const f = testApp('gamma', 'fcm');
    const apps = createApps([a, b, f]);
    const conn = (...l: Array<[Environment, Provider]>) => new Map(l);
    worker = createDeliveryWorker({
      store,
      apps,
      senders: new Map([
        ['alpha', appSender(a, { connections: conn(['production', prodA]), topic: 'org.a' })],
        [
          'beta',
          appSender(b, {
            connections: conn(['production', prodB], ['sandbox', sandB]),
            topic: 'org.b',
            voipTopic: 'org.b.voip',
          }),
        ],
        ['gamma', appSender(f, { connections: conn(['production', fcm]) })],
      ]),
      log,
      maxAttempts: 1,
      retryInitialMs: 10,
      retryMaxMs: 20,
      pollMs: 10,
    });
    const owner = await store.accounts.create({ username: 'romeo' }, 0);
    if (owner === 'conflict') throw new Error('conflict');
    const add = (deviceId: string, deviceToken: string, more: object) =>
      store.devices.upsert(
        { owner: owner.id, provider: 'apns', deviceId, deviceToken, ...more },
        0,
      );
    const devices = [
      await add('legacy', 't0', {}),
      await add('one', 't1', { app: 'alpha' }),
      await add('two', 't2', { app: 'beta', environment: 'production' }),
      await add('three', 't3', { app: 'beta', environment: 'sandbox' }),
      await add('three#voip', 't4', { app: 'beta', environment: 'sandbox', voip: true }),
      await store.devices.upsert(
        { owner: owner.id, provider: 'fcm', deviceId: 'four', deviceToken: 't5', app: 'gamma' },
        0,
      ),
    ];
    for (const d of devices) {
      await store.queue.enqueue(d.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    }
    worker.start();
    await until(async () => (await depth()) === 0);
    const sent = (p: { sent: PushMessage[] }) =>
      p.sent.map((m) => [m.deviceToken, m.topic, m.voip]);
    // The device from before apps goes through the default APNs app.
    expect(sent(prodA)).toEqual([
      ['t0', 'org.a', undefined],
      ['t1', 'org.a', undefined],
    ]);
    expect(sent(prodB)).toEqual([['t2', 'org.b', undefined]]);
    expect(sent(sandB)).toEqual([
      ['t3', 'org.b', undefined],
      ['t4', 'org.b.voip', true],
    ]);
    expect(sent(fcm)).toEqual([['t5', undefined, undefined]]);
    expect(sandB.sent[1]?.collapseId).toBeUndefined();
  });

  it('keeps a device whose app is not configured here queued, without counting attempts, and says so once per app', async () => {
    store = openSqliteStore(':memory:');
    const lines: string[] = [];
    const apps = createApps([testApp('apns', 'apns')]);
    worker = createDeliveryWorker({
      store,
      apps,
      senders: sendersOver(apps, scripted([])),
      log: createLogger('warn', { write: (l: string) => lines.push(l) }),
      maxAttempts: 1,
      retryInitialMs: 10,
      retryMaxMs: 20_000,
      pollMs: 10,
    });
    const owner = await store.accounts.create({ username: 'romeo' }, 0);
    if (owner === 'conflict') throw new Error('conflict');
    const add = (deviceId: string, more: object) =>
      store.devices.upsert(
        { owner: owner.id, provider: 'apns', deviceId, deviceToken: deviceId, ...more },
        0,
      );
    const elsewhere = [
      await add('one', { app: 'other' }),
      await add('two', { app: 'other' }),
      await store.devices.upsert(
        { owner: owner.id, provider: 'fcm', deviceId: 'three', deviceToken: 'three' },
        0,
      ),
    ];
    const retired = await add('four', {});
    await store.devices.update(retired.id, owner.id, { active: false });
    for (const d of [...elsewhere, retired]) {
      await store.queue.enqueue(d.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    }
    worker.start();
    await until(async () => (await depth()) === 3 && lines.length === 2);
    await worker.stop();
    // Given back untried, for a process that has those apps: claimed again as first attempts.
    const later = Date.now() + 2000;
    const jobs = await store.queue.claim(10, later, later + 1000);
    expect(jobs.map((j: Job) => [j.deviceId, j.attempts]).sort()).toEqual(
      elsewhere.map((d) => [d.id, 1]).sort(),
    );
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining([
        'pushes for other stay queued: it is not configured in this process',
        'pushes for the default fcm app stay queued: it is not configured in this process',
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('three');
  });

  it('a process without any app claims nothing', async () => {
    store = openSqliteStore(':memory:');
    worker = createDeliveryWorker({
      store,
      apps: createApps([]),
      senders: new Map(),
      log,
      maxAttempts: 1,
      retryInitialMs: 10,
      retryMaxMs: 20,
      pollMs: 10,
    });
    const device = await addDevice(store);
    await store.queue.enqueue(device.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    worker.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(await store.queue.claim(10, Date.now(), Date.now() + 1000)).toMatchObject([
      { deviceId: device.id, attempts: 1 },
    ]);
  });

  it('keeps a device on BadDeviceToken until it is clearly the device, and reports the app', async () => {
    const badToken: SendResult = {
      ok: false,
      kind: 'dead',
      reason: 'BadDeviceToken',
      maybeConfig: true,
    };
    const lines: string[] = [];
    const counted: string[] = [];
    const { provider, device } = await setup(
      [badToken, { ok: true }, badToken],
      3,
      createLogger('error', { write: (l: string) => lines.push(l) }),
      500, // the retry comes after the checks below
      (_, r) => counted.push(r.ok ? 'ok' : r.kind),
    );
    // Never delivered to before: kept and retried; the app's config is suspect.
    await until(async () => provider.sent.length === 1);
    await until(async () => worker.configSuspects().length === 1);
    expect(worker.configSuspects()).toEqual([
      { app: 'apns', reason: 'BadDeviceToken', since: expect.any(Number) },
    ]);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      'app apns: APNs answers BadDeviceToken for devices that never received a push: its topic, key or environment looks wrong. Those devices are kept and retried',
    ]);
    // The retry goes through: the config works after all.
    await until(async () => (await depth()) === 0);
    expect(worker.configSuspects()).toEqual([]);
    expect(await store.devices.get(device.id)).toMatchObject({ active: true, successCount: 1 });
    // Once a device received a push, BadDeviceToken means it is gone.
    await store.queue.enqueue(device.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    worker.wake();
    await until(async () => (await store.devices.get(device.id))?.active === false);
    expect(provider.sent).toHaveLength(3);
    expect(worker.configSuspects()).toEqual([]);
    // The metrics count the kept device's answer as a retry, the retired one's as dead.
    await until(async () => counted.length === 3);
    expect(counted).toEqual(['retry', 'ok', 'dead']);
  });

  it('retires a never-delivered device only after repeated such answers over minutes', () => {
    const suspects = createConfigSuspects({ log, strikes: 3, windowMs: 600_000 });
    const device = { id: '7' } as Parameters<typeof suspects.retire>[1];
    expect(suspects.retire('a', device, 'BadDeviceToken', 0)).toBe(false);
    expect(suspects.retire('a', device, 'BadDeviceToken', 1000)).toBe(false);
    // Three answers within a minute: a config fault fixed meanwhile must not cost the device.
    expect(suspects.retire('a', device, 'BadDeviceToken', 60_000)).toBe(false);
    expect(suspects.retire('a', device, 'BadDeviceToken', 600_000)).toBe(true);
    expect(suspects.retire('a', { ...device, lastSuccessAt: 5 }, 'BadDeviceToken', 0)).toBe(true);
    expect(suspects.list()).toEqual([{ app: 'a', reason: 'BadDeviceToken', since: 0 }]);
  });
});

let redis: RedisServer | undefined;
afterAll(() => redis?.stop());

/** An opener of instances on one fresh backing store: a file, or a prefix on a Redis. */
const backings: Array<[string, () => Promise<() => Promise<Store>>]> = [
  [
    'SQLite',
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'xpr-delivery-')), 'store.db');
      return async () => openSqliteStore(file);
    },
  ],
  [
    'Redis',
    async () => {
      redis ??= await startRedis();
      const url = redis.url;
      const prefix = `xpr-test-${randomBytes(6).toString('hex')}`;
      return () => openRedisStore(url, { prefix });
    },
  ],
];

describe.each(backings)("a dead process's leases (%s)", (_name, backing) => {
  it('are delivered within 5 s by another worker', async () => {
    // Two processes on one store (with SQLite, the second is the first one restarted).
    const open = await backing();
    const store = await open();
    const apps = testApps();
    const account = await store.accounts.create({ username: 'romeo' }, 0);
    if (account === 'conflict') throw new Error('conflict');
    for (let i = 0; i < 50; i++) {
      const d = await store.devices.upsert(
        { owner: account.id, provider: 'apns', deviceId: `d${i}`, deviceToken: `t${i}` },
        0,
      );
      await store.queue.enqueue(d.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    }
    // The first process claims everything, starts sending, and freezes (as under kill -9): no
    // answer, no store call ever completes again.
    let dead = false;
    const frozen = new Proxy(store.queue, {
      get: (q, name) => {
        const f = Reflect.get(q, name) as (...a: unknown[]) => Promise<unknown>;
        return (...a: unknown[]) => (dead ? new Promise(() => {}) : f.apply(q, a));
      },
    });
    let sending = 0;
    const hanging: Provider = {
      name: 'apns',
      send: () => {
        sending++;
        return new Promise(() => {});
      },
      async close() {},
    };
    const opts = { apps, log, maxAttempts: 3, retryInitialMs: 10, retryMaxMs: 20 };
    createDeliveryWorker({
      ...opts,
      store: { ...store, queue: frozen },
      senders: sendersOver(apps, hanging),
    }).start();
    await until(async () => sending === 50);
    await new Promise((r) => setTimeout(r, 1500)); // its leases were renewed meanwhile
    expect((await store.queue.stats(Date.now())).depth).toBe(50);
    dead = true;
    const died = Date.now();
    const provider = scripted([]);
    const other = await open();
    const worker = createDeliveryWorker({
      ...opts,
      store: other,
      senders: sendersOver(apps, provider),
    });
    worker.start();
    try {
      await until(async () => (await other.queue.stats(Date.now())).depth === 0, 8000);
      expect(Date.now() - died).toBeLessThan(5000);
      expect(new Set(provider.sent.map((m) => m.deviceToken)).size).toBe(50);
    } finally {
      await worker.stop();
      await other.close();
      await store.close(); // the dead one's connection
    }
  }, 30_000);
});
