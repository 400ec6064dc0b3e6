// What the store contract's sections share: the store under test and small fixtures.
// Rejections are checked with toHaveProperty('message'), not toThrow(): better-sqlite3 keeps the
// error class of the first test file that loaded it, so later files see errors of another realm.
import type { ProviderName } from '../../lib/providers.js';
import type { Account, Device, Job, QueuedPush, Registration, Store } from '../types.js';

export interface ContractOptions {
  /** Whether limiters of two instances on one backing store share counters. */
  sharedLimits: boolean;
}

export interface Kit {
  /** The instance opened for the current test on a fresh, empty backing store. */
  store(): Store;
  /** One more instance on the same backing store (closed after the test). */
  another(): Promise<Store>;
  readonly opts: ContractOptions;
}

export async function account(s: Store, username = 'alice', now = 1000): Promise<Account> {
  const a = await s.accounts.create({ username }, now);
  if (a === 'conflict') throw new Error(`fixture account ${username} exists`);
  return a;
}

export function device(
  s: Store,
  owner: string,
  deviceId = 'phone',
  provider: ProviderName = 'apns',
  now = 2000,
): Promise<Device> {
  return s.devices.upsert({ owner, provider, deviceId, deviceToken: `tok-${deviceId}` }, now);
}

/** A registration of romeo's device `dev1` (FCM) pointing at a remote relay's token. */
export function registration(node: string, o: Partial<Registration> = {}): Registration {
  return {
    node,
    secretHash: `secret-${node}`,
    jid: 'romeo@example.org',
    provider: 'fcm',
    deviceId: 'dev1',
    target: { kind: 'remote', relay: 'other', token: `token-${node}` },
    createdAt: 1000,
    ...o,
  };
}

/** A queued push whose payload is `{"n": n}` (and more members from `extra`). */
export function push(
  n: number | string,
  priority: QueuedPush['priority'] = 'low',
  extra: Record<string, unknown> = {},
): QueuedPush {
  return { payload: JSON.stringify({ n, ...extra }), priority };
}

/** The payload of a job as an object. */
export const payloadOf = (j: { payload: string } | undefined): unknown =>
  j && JSON.parse(j.payload);

/** The id of a device of a fresh account. */
export async function oneDevice(s: Store): Promise<string> {
  return (await device(s, (await account(s)).id)).id;
}

/** One device whose push (`old`, high, a: 1), enqueued at 100, is out: claimed with lease 5000. */
export async function oneJobOut(s: Store): Promise<{ d: string; job: Job }> {
  const d = await oneDevice(s);
  await s.queue.enqueue(d, push('old', 'high', { a: 1 }), 0, 100);
  const [job] = await s.queue.claim(10, 100, 5000);
  if (!job) throw new Error('no job');
  return { d, job };
}
