// What the store contract's sections share: the store under test and small fixtures.
// Rejections are checked with toHaveProperty('message'), not toThrow(): better-sqlite3 keeps the
// error class of the first test file that loaded it, so later files see errors of another realm.
import type { ProviderName } from '../../relay/provider.js';
import type { Account, Device, Registration, Store } from '../types.js';

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

export function registration(node: string, o: Partial<Registration> = {}): Registration {
  return {
    node,
    secretHash: `secret-${node}`,
    jid: 'romeo@example.org',
    provider: 'fcm',
    deviceId: 'dev1',
    relay: 'local',
    token: `token-${node}`,
    createdAt: 1000,
    ...o,
  };
}
