import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../lib/log.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Environment, Store } from '../store/types.js';
import { appSender } from './app-senders.js';
import { createApps } from './apps.js';
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

  async function setup(results: SendResult[], maxAttempts = 3) {
    store = openSqliteStore(':memory:');
    const provider = scripted(results);
    const apps = testApps();
    worker = createDeliveryWorker({
      store,
      apps,
      senders: sendersOver(apps, provider),
      log,
      maxAttempts,
      retryInitialMs: 10,
      retryMaxMs: 20,
      pollMs: 10,
    });
    const device = await addDevice(store);
    await store.queue.enqueue(device.id, { payload: '{}', priority: 'high' }, 0, Date.now());
    worker.start();
    return { provider, device };
  }

  const depth = async () => (await store.queue.stats(Date.now())).depth;

  it('delivers a job and removes it from the queue', async () => {
    const { provider, device } = await setup([]);
    await until(async () => (await depth()) === 0);
    expect(provider.sent).toEqual([
      { deviceToken: 'tok', notification: { priority: 'high' }, collapseId: 'xmpp-push' },
    ]);
    expect(await store.devices.get(device.id)).toMatchObject({ successCount: 1, active: true });
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
});
