// /healthz says when an app's configuration looks wrong from what APNs answers.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { type FakeApns, startFakeApns, testApnsKey } from '../harness/fakes/apns-server.js';
import { createLogger } from '../lib/log.js';
import { createApnsProvider } from '../relay/apns.js';
import { appSender } from '../relay/app-senders.js';
import { createApps } from '../relay/apps.js';
import { createDeliveryWorker, type DeliveryWorker } from '../relay/delivery.js';
import type { Provider } from '../relay/provider.js';
import { testApp } from '../relay/test-kit.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { createMetrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';

const log = createLogger('silent');
let fake: FakeApns;
let store: Store;
let provider: Provider;
let worker: DeliveryWorker;

beforeAll(async () => {
  fake = await startFakeApns();
  store = openSqliteStore(':memory:');
});
afterAll(async () => {
  await worker?.stop();
  await provider?.close();
  await fake.close();
  await store.close();
});

it('/healthz reports an app whose APNs answers DeviceTokenNotForTopic to devices never delivered to', async () => {
  const info = testApp('siskin', 'apns');
  const apps = createApps([info]);
  provider = createApnsProvider({
    ...testApnsKey(),
    topic: 'wrong.topic',
    environment: 'production',
    endpoint: fake.url,
    ca: fake.ca,
    log,
  });
  const connections = new Map([['production', provider] as const]);
  const sender = appSender(info, { connections, topic: 'wrong.topic' });
  worker = createDeliveryWorker({
    store,
    apps,
    senders: new Map([['siskin', sender]]),
    log,
    maxAttempts: 3,
    retryInitialMs: 60_000,
    retryMaxMs: 60_000,
    pollMs: 20,
  });
  const http = Fastify();
  opsRoutes(http, {
    store,
    apps,
    metrics: createMetrics({ store, xmpp: false, xmppConnected: () => undefined }),
    configSuspects: worker.configSuspects,
  });
  const health = async () => (await http.inject({ url: '/healthz' })).json();
  expect((await health()).apps).toEqual([
    { name: 'siskin', provider: 'apns', default: true, environments: ['production'] },
  ]);

  const account = await store.accounts.create({ username: 'romeo' }, 0);
  if (account === 'conflict') throw new Error('conflict');
  const token = 'ab'.repeat(32);
  fake.setResponse(token, { status: 400, reason: 'DeviceTokenNotForTopic' });
  const device = await store.devices.upsert(
    { owner: account.id, provider: 'apns', deviceId: 'phone', deviceToken: token, app: 'siskin' },
    0,
  );
  await store.queue.enqueue(device.id, { payload: '{}', priority: 'high' }, 0, Date.now());
  worker.start();
  await fake.waitFor((r) => r.status === 400);
  let body = await health();
  for (let i = 0; i < 100 && !body.apps[0].config; i++) {
    await new Promise((r) => setTimeout(r, 20));
    body = await health();
  }
  expect(body).toMatchObject({ status: 'ok' });
  expect(body.apps[0].config).toMatch(
    /^looks wrong since \S+: APNs answers DeviceTokenNotForTopic for devices that never received a push \(check topic, key and environment\)$/,
  );
  // The device is kept for when the configuration is fixed.
  expect(await store.devices.get(device.id)).toMatchObject({ active: true });
  await http.close();
});
