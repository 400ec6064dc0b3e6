// Redis killed -9 and started again under steady publishes, with our process as an operator runs
// it (test/faults/world.ts: the fake user's server of harness/faults/publisher.ts, the fake APNs and
// FCM). While Redis is away every publish must be answered promptly with a `wait` error (never
// left unanswered, never an error that would make the server switch push off); once it is back,
// publishes are answered `result` again within seconds, and each one answered `result` is pushed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from '@jest/globals';
import type { PublishRecord } from '../harness/faults/publisher.js';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { stopAndClear } from '../harness/stop.js';
import { openRedisStore } from '../store/redis/index.js';
import type { Job } from '../store/types.js';
import { type FaultWorld, startFaultWorld } from './faults/world.js';

const RATE_PER_S = 200;
const BEFORE_MS = 1500;
const OUTAGE_MS = 4000;
const AFTER_MS = 6000;
/** A publish during the outage is answered within this long. */
const ANSWER_MS = 2000;
/** From Redis answering again until every publish is answered `result`. */
const BACK_MS = 5000;

const started: { world?: FaultWorld; redis?: RedisServer } = {};
afterEach(() => stopAndClear(started));

const show = (r: PublishRecord) =>
  `${r.type}${r.errorType ? ` ${r.errorType}/${r.condition}` : ''} after ${r.answeredAt - r.sentAt} ms`;

it('answers every publish while Redis is away with a wait error, and result again once it is back', async () => {
  const r = await startRedis({ aof: true });
  started.redis = r;
  const world = await startFaultWorld({ storeUrl: r.url });
  started.world = world;
  await world.start();
  const { publisher } = world;
  const load = publisher.run({
    targets: world.targets.slice(0, 200),
    ratePerS: RATE_PER_S,
    durationMs: BEFORE_MS + OUTAGE_MS + AFTER_MS,
  });
  await sleep(BEFORE_MS);
  await r.kill9();
  const killed = Date.now();
  await sleep(OUTAGE_MS);
  const restarting = Date.now();
  await r.restart();
  const back = Date.now();
  await load;
  await publisher.settle(10_000);
  const records = publisher.records;
  expect(records.filter((p) => Number.isNaN(p.sentAt))).toEqual([]);

  // Sent while Redis was down (from its kill to the restart command): answered `wait`, quickly.
  const during = records.filter((p) => p.sentAt > killed + 200 && p.sentAt < restarting);
  expect(during.length).toBeGreaterThan((RATE_PER_S * OUTAGE_MS) / 2000);
  const slowOrWrong = during.filter(
    (p) => p.type !== 'error' || p.errorType !== 'wait' || p.answeredAt - p.sentAt > ANSWER_MS,
  );
  expect(slowOrWrong.map(show)).toEqual([]);

  // Nothing answered anything but `result` or a `wait` error, and nothing left unanswered.
  expect(records.filter((p) => p.type === '').length).toBe(0);
  expect(records.filter((p) => p.type === 'error' && p.errorType !== 'wait').map(show)).toEqual([]);

  // Back: every publish sent BACK_MS after Redis answered again is answered `result`.
  const after = records.filter((p) => p.sentAt >= back + BACK_MS);
  expect(after.length).toBeGreaterThan(RATE_PER_S / 2);
  expect(after.filter((p) => p.type !== 'result').map(show)).toEqual([]);

  // The log says it once, not once per publish: the first failure with its stack, then a
  // count every 10 s; the connection trouble once for the outage.
  const log = readFileSync(join(world.dir, 'out.log'), 'utf8').split('\n');
  const failures = log.filter((l) => l.includes('IQ handler failed'));
  expect(failures.length).toBeGreaterThan(0);
  expect(failures.length).toBeLessThanOrEqual(6);
  expect(log.filter((l) => l.includes('store connection trouble'))).toHaveLength(1);

  // Every publish answered `result`, before or after the outage, reaches its device: a push
  // carrying its count or a newer one (pushes to one device merge).
  const w = world;
  const missing = () => {
    const newest = new Map<number, number>();
    for (const p of w.pushes()) newest.set(p.target, Math.max(newest.get(p.target) ?? 0, p.count));
    return records.filter((p) => p.type === 'result' && (newest.get(p.target) ?? 0) < p.seq);
  };
  const deadline = Date.now() + 10_000;
  while (missing().length > 0 && Date.now() < deadline) await sleep(100);
  expect(
    missing().map((p) => `${p.target}#${p.seq} sent ${p.sentAt - killed} ms after the kill`),
  ).toEqual([]);
}, 90_000);

it('makes a job leased before Redis was lost due again once Redis is back, not a lease later', async () => {
  const redis = await startRedis({ aof: true });
  started.redis = redis;
  const store = await openRedisStore(redis.url, { onError: () => undefined });
  try {
    const account = await store.accounts.create({ username: 'leases' }, Date.now());
    if (account === 'conflict') throw new Error('account exists');
    const device = await store.devices.upsert(
      { owner: account.id, provider: 'apns', deviceId: 'phone', deviceToken: 'ab'.repeat(32) },
      Date.now(),
    );
    await store.queue.enqueue(device.id, { payload: '{"n":1}', priority: 'high' }, 0, Date.now());
    const [job] = await store.queue.claim(10, Date.now(), Date.now() + 60_000);
    expect(job?.deviceId).toBe(device.id);
    // The delivery of the job loses Redis before sending: reading the device fails.
    await redis.kill9();
    await expect(store.devices.get(device.id)).rejects.toThrow();
    await redis.restart();
    const deadline = Date.now() + 5000;
    let again: Job[] = [];
    while (again.length === 0 && Date.now() < deadline) {
      await sleep(100);
      again = await store.queue.claim(10, Date.now(), Date.now() + 60_000).catch(() => []);
    }
    expect(again.map((j) => [j.id, j.payload])).toEqual([[job?.id, '{"n":1}']]);
  } finally {
    await store.close();
  }
}, 30_000);

it('completes a job whose completion failed while Redis was lost, instead of pushing it again', async () => {
  const redis = await startRedis({ aof: true });
  started.redis = redis;
  const store = await openRedisStore(redis.url, { onError: () => undefined });
  try {
    const account = await store.accounts.create({ username: 'completes' }, Date.now());
    if (account === 'conflict') throw new Error('account exists');
    const device = await store.devices.upsert(
      { owner: account.id, provider: 'fcm', deviceId: 'phone', deviceToken: 'fcm:1' },
      Date.now(),
    );
    await store.queue.enqueue(device.id, { payload: '{"n":1}', priority: 'high' }, 0, Date.now());
    const [job] = await store.queue.claim(10, Date.now(), Date.now() + 60_000);
    if (!job) throw new Error('nothing claimed');
    // Pushed; then Redis is lost before the job is marked done.
    await redis.kill9();
    await expect(store.queue.complete(job)).rejects.toThrow();
    await redis.restart();
    const deadline = Date.now() + 5000;
    let depth = 1;
    while (depth > 0 && Date.now() < deadline) {
      await sleep(100);
      depth = (await store.queue.stats(Date.now()).catch(() => ({ depth: 1 }))).depth;
    }
    expect(depth).toBe(0);
    expect(await store.queue.claim(10, Date.now() + 120_000, Date.now() + 180_000)).toEqual([]);
  } finally {
    await store.close();
  }
}, 30_000);
