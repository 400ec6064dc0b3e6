// Redis behind Redis Sentinel (a master and a replica with AOF, three sentinels): our process
// follows the master through a SENTINEL FAILOVER and through a kill -9 of the master, under a
// steady load of pushes, and every push it acknowledged is delivered. With `min_replicas = 1` a
// push counts as accepted only once the replica has it (Redis WAIT), so a failover cannot lose
// it. (XPR_MIN_REPLICAS=0 runs the same without WAIT, to measure what that loses.)
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { type RedisSentinels, startRedisSentinels } from '../harness/servers/redis-sentinel.js';
import { hashSecret, newSecret } from '../lib/secrets.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { type Child, startChild } from './child-process.js';
import { until } from './stack.js';

const DEVICES = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: RedisSentinels;
let apns: FakeApns;
let fcm: FakeFcm;
let relay: Child;
let store: Store;
/** One token per device, each push to a device of its own: a lost push cannot hide. */
const devices: Array<{ deviceToken: string; token: string }> = [];
let next = 0;

beforeAll(async () => {
  [redis, apns, fcm] = await Promise.all([startRedisSentinels(), startFakeApns(), startFakeFcm()]);
  const storeToml = `sentinels = ${JSON.stringify(redis.sentinels)}
sentinel_name = "mymaster"
min_replicas = ${process.env.XPR_MIN_REPLICAS ?? 1}
min_replicas_timeout_ms = 500`;
  relay = await startChild({
    apns,
    fcm,
    storeToml,
    extraToml: `[relay]
messages_per_account_per_minute = 100000
requests_per_address_per_minute = 100000
`,
  });
  // The devices and their device-scoped tokens, written straight into the shared store.
  store = await openStore({ path: '', sentinels: redis.sentinels, min_replicas: 1 });
  const owner = await store.accounts.create({ username: 'sentinel' }, Date.now());
  if (owner === 'conflict') throw new Error('account exists');
  for (let i = 0; i < DEVICES; i += 50) {
    const batch = Array.from({ length: 50 }, async (_, j) => {
      const deviceToken = (i + j).toString(16).padStart(4, '0').repeat(16);
      const d = await store.devices.upsert(
        { owner: owner.id, provider: 'apns', deviceId: `d${i + j}`, deviceToken },
        Date.now(),
      );
      const token = newSecret();
      await store.tokens.add(hashSecret(token), {
        owner: owner.id,
        name: '',
        createdAt: Date.now(),
        scope: 'device',
        deviceId: d.id,
      });
      return { deviceToken, token };
    });
    devices.push(...(await Promise.all(batch)));
  }
}, 60_000);

afterAll(async () => {
  await store?.close();
  await relay?.destroy();
  await Promise.all([redis?.stop(), apns?.close(), fcm?.close()]);
}, 30_000);

type Sent = { deviceToken: string; status: number };

/**
 * Pushes to one device after another, 25 ms apart; runs `fault` after 40 pushes and goes on
 * until the fault is over and 10 pushes in a row were accepted (at most 30 s).
 */
async function underLoad(fault: () => Promise<void>): Promise<Sent[]> {
  const sent: Array<Promise<Sent>> = [];
  let faultOver = false;
  let faulted: Promise<void> | undefined;
  let streak = 0;
  const end = Date.now() + 30_000;
  for (let i = 0; !(faultOver && streak >= 10) && Date.now() < end; i++) {
    if (i === 40) {
      faulted = fault().then(() => {
        faultOver = true;
      });
    }
    const device = devices[next++];
    if (!device) throw new Error('out of devices');
    const status = fetch(`${relay.url}/api/v1/messages/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: device.token }),
    }).then(
      (r) => r.status,
      () => 0,
    );
    sent.push(status.then((s) => ({ deviceToken: device.deviceToken, status: s })));
    void status.then((s) => {
      streak = s === 202 ? streak + 1 : 0;
    });
    await sleep(25);
  }
  await faulted;
  return Promise.all(sent);
}

/** Every acknowledged push reached its device; the process kept serving after the fault. */
async function expectDelivered(phase: string, sent: Sent[]) {
  const acked = sent.filter((s) => s.status === 202);
  const delivered = (s: Sent) => apns.requests.some((r) => r.deviceToken === s.deviceToken);
  await until(async () => acked.every(delivered), 20_000).catch(() => undefined);
  const lost = acked.filter((s) => !delivered(s));
  const refused = sent.length - acked.length;
  process.stdout.write(
    `${phase}: ${sent.length} pushes, ${acked.length} acknowledged, ${refused} refused, ${lost.length} lost\n`,
  );
  expect(lost).toEqual([]);
  // Refused means 503 (the relay's store trouble), never an error that blames the push.
  expect(sent.filter((s) => s.status !== 202 && s.status !== 503)).toEqual([]);
  // The pushes sent once a new master (with a replica) had taken over were accepted again.
  expect(sent.slice(-10).map((s) => s.status)).toEqual(Array(10).fill(202));
}

it('follows a SENTINEL FAILOVER under load without losing an acknowledged push', async () => {
  const sent = await underLoad(async () => {
    await redis.failover();
  });
  await expectDelivered('SENTINEL FAILOVER', sent);
}, 60_000);

it('follows a kill -9 of the master under load without losing an acknowledged push', async () => {
  const sent = await underLoad(async () => {
    const old = await redis.masterPort();
    await redis.kill(old);
    await redis.waitForMaster(old);
    // The old master comes back, on its AOF, as a replica of the new one.
    await redis.restart(old);
  });
  await expectDelivered('kill -9 of the master', sent);
}, 60_000);
