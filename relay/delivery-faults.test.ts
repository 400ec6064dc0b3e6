// The delivery worker against the fake APNs and FCM in trouble: an outage answered with 429, a
// hanging FCM, sends that outlast their lease.
import { afterEach, describe, expect, it } from '@jest/globals';
import { type FakeApns, startFakeApns, testApnsKey } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { createLogger } from '../lib/log.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { createApnsProvider } from './apns.js';
import { type AppSender, appSender } from './app-senders.js';
import { createApps } from './apps.js';
import { createDeliveryWorker, type DeliveryOptions, type DeliveryWorker } from './delivery.js';
import { createFcmProvider } from './fcm.js';
import type { Provider } from './provider.js';
import { testApp } from './test-kit.js';

const log = createLogger(process.env.LOG ?? 'silent');
const TOPIC = 'im.example.app';

let store: Store;
const fakes: Array<FakeApns | FakeFcm> = [];
const providers: Provider[] = [];
const workers: DeliveryWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  await store?.close();
});

async function apns(): Promise<{ fake: FakeApns; sender: AppSender }> {
  const fake = await startFakeApns();
  const p = createApnsProvider({
    ...testApnsKey(),
    topic: TOPIC,
    environment: 'production',
    endpoint: fake.url,
    ca: fake.ca,
    log,
  });
  fakes.push(fake);
  providers.push(p);
  const connections = new Map([['production', p] as const]);
  return { fake, sender: appSender(testApp('apns', 'apns'), { connections, topic: TOPIC }) };
}

async function fcm(): Promise<{ fake: FakeFcm; sender: AppSender }> {
  const fake = await startFakeFcm();
  const p = createFcmProvider({
    serviceAccount: fake.serviceAccount,
    endpoint: fake.url,
    ca: fake.ca,
    maxConnections: 32,
    log,
  });
  fakes.push(fake);
  providers.push(p);
  const connections = new Map([['production', p] as const]);
  return { fake, sender: appSender(testApp('fcm', 'fcm'), { connections }) };
}

function worker(senders: AppSender[], more: Partial<DeliveryOptions> = {}): DeliveryWorker {
  const w = createDeliveryWorker({
    store,
    apps: createApps(senders.map((s) => s.app)),
    senders: new Map(senders.map((s) => [s.app.name, s])),
    log,
    maxAttempts: 2,
    retryInitialMs: 1000,
    retryMaxMs: 300_000,
    pollMs: 50,
    ...more,
  });
  workers.push(w);
  w.start();
  return w;
}

/** `n` devices of one account, with tokens `<prefix>0`, `<prefix>1`, … */
async function devices(provider: 'apns' | 'fcm', n: number, prefix: string): Promise<string[]> {
  const account = await store.accounts.create({ username: `user-${prefix}` }, 0);
  if (account === 'conflict') throw new Error('conflict');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await store.devices.upsert(
      { owner: account.id, provider, deviceId: `${prefix}${i}`, deviceToken: `${prefix}${i}` },
      0,
    );
    ids.push(d.id);
  }
  return ids;
}

const enqueue = (ids: string[], n: number) =>
  Promise.all(
    ids.map((id) =>
      store.queue.enqueue(
        id,
        { payload: JSON.stringify({ data: `${n}` }), priority: 'high' },
        0,
        Date.now(),
      ),
    ),
  );

async function untilAsync(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function until(check: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

describe('delivery in provider trouble', () => {
  it('backs off the connection on a 429 outage, spends no attempts, and sends every waiting push soon after recovery', async () => {
    store = openSqliteStore(':memory:');
    const { fake, sender } = await apns();
    const ids = await devices('apns', 100, 'a');
    const outageMs = 3000;
    fake.faults.set({ kind: 'status', status: 429 }, outageMs);
    const outageEnd = Date.now() + outageMs;
    worker([sender], { concurrency: 50 });
    await enqueue(ids, 1);
    // Later pushes arrive during the outage: they merge into the waiting ones.
    await new Promise((r) => setTimeout(r, 1500));
    await enqueue(ids, 2);
    const latest = () =>
      new Set(
        fake.requests
          .filter((r) => r.status === 200 && (r.payload as { data?: string }).data === '2')
          .map((r) => r.deviceToken),
      );
    await until(() => latest().size === 100, outageMs + 12_000);
    const recoveryMs = Date.now() - outageEnd;
    // The target: every waiting push within 10 s of the provider's recovery.
    expect(recoveryMs).toBeLessThan(10_000);
    // A backed-off connection is probed, not hammered with every job.
    const refused = fake.faults.stats.failed;
    expect(refused).toBeLessThan(150);
    await untilAsync(async () => (await store.queue.stats(Date.now())).depth === 0, 2000);
    // One push per device after the outage: the earlier push merged into the later one.
    expect(fake.requests.filter((r) => r.status === 200).length).toBeLessThan(110);
    for (const id of ids) expect(await store.devices.get(id)).toMatchObject({ active: true });
  }, 20_000);

  it('a hanging FCM does not hold APNs pushes back, and its slow sends are not claimed twice', async () => {
    store = openSqliteStore(':memory:');
    const a = await apns();
    const f = await fcm();
    const fcmIds = await devices('fcm', 30, 'f');
    const apnsIds = await devices('apns', 30, 'a');
    const hangMs = 5000;
    f.fake.faults.set({ kind: 'hold' }, hangMs);
    const start = Date.now();
    // FCM's jobs first: they are claimed first and fill the pool.
    await enqueue(fcmIds, 1);
    await enqueue(apnsIds, 1);
    // Leases far shorter than the hang: renewed while the sends are out.
    worker([a.sender, f.sender], { concurrency: 20, leaseMs: 1000, stuckMs: 1000 });
    await a.fake.waitFor(30, hangMs);
    expect(Date.now() - start).toBeLessThan(hangMs - 1000);
    expect(f.fake.sends).toHaveLength(0);
    await f.fake.waitFor(30, hangMs + 5000);
    await until(() => f.fake.stats.sendRequests >= 30, 1000);
    await new Promise((r) => setTimeout(r, 500));
    // Each FCM push was sent once, though each send took longer than five leases.
    expect(f.fake.sends.map((s) => s.deviceToken).sort()).toEqual(
      fcmIds.map((_, i) => `f${i}`).sort(),
    );
    expect(f.fake.stats.sendRequests).toBe(30);
    expect((await store.queue.stats(Date.now())).depth).toBe(0);
  }, 20_000);

  it('a slow FCM that still answers does not hold APNs pushes back', async () => {
    store = openSqliteStore(':memory:');
    const a = await apns();
    const f = await fcm();
    const fcmIds = await devices('fcm', 200, 'f');
    const apnsIds = await devices('apns', 30, 'a');
    // Slower than FCM's 32 connections (here) can keep up with, but never stuck.
    f.fake.faults.set({ kind: 'delay', ms: 1500 });
    // FCM's jobs first: they are claimed first.
    await enqueue(fcmIds, 1);
    await enqueue(apnsIds, 1);
    const start = Date.now();
    worker([a.sender, f.sender], { concurrency: 100 });
    await a.fake.waitFor(30, 5000);
    expect(Date.now() - start).toBeLessThan(1000);
    f.fake.faults.set(undefined);
    await f.fake.waitFor(200, 10_000);
    await untilAsync(async () => (await store.queue.stats(Date.now())).depth === 0, 2000);
  }, 20_000);

  it('two workers on one queue send a push once when the send outlasts the lease', async () => {
    store = openSqliteStore(':memory:');
    const { fake, sender } = await apns();
    fake.setDelay(1500);
    const ids = await devices('apns', 20, 'a');
    await enqueue(ids, 1);
    worker([sender], { leaseMs: 1000 });
    worker([sender], { leaseMs: 1000 });
    await fake.waitFor(20);
    await new Promise((r) => setTimeout(r, 2500));
    expect(fake.requests.map((r) => r.deviceToken).sort()).toEqual(
      ids.map((_, i) => `a${i}`).sort(),
    );
    expect((await store.queue.stats(Date.now())).depth).toBe(0);
  }, 20_000);
});
