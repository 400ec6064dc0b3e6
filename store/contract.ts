// The one test suite every Store implementation must pass (see sqlite.test.ts, redis.test.ts).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { accountsContract } from './contract/accounts.js';
import { devicesContract } from './contract/devices.js';
import type { ContractOptions, Kit } from './contract/kit.js';
import { leasesContract } from './contract/leases.js';
import { limiterContract } from './contract/limiter.js';
import { queueContract } from './contract/queue.js';
import { collectedContract, registrationsContract } from './contract/registrations.js';
import { retriesContract } from './contract/retries.js';
import { sessionsContract } from './contract/sessions.js';
import { tokensContract } from './contract/tokens.js';
import type { Store } from './types.js';

export type { ContractOptions } from './contract/kit.js';

/** A fresh, empty backing store (a folder, a key prefix) that instances can be opened on. */
export interface Backing {
  open(): Promise<Store>;
  /** Cleans up after the test, once its instances are closed. */
  dispose?(): Promise<void>;
}

/** Defines the contract tests for a store; `fresh` is called once per test. */
export function describeStoreContract(
  name: string,
  fresh: () => Promise<Backing>,
  opts: ContractOptions,
): void {
  describe(`store contract: ${name}`, () => {
    let backing: Backing | undefined;
    let current: Store | undefined;
    const opened: Store[] = [];
    const another = async () => {
      if (!backing) throw new Error('no backing store');
      const s = await backing.open();
      opened.push(s);
      return s;
    };
    const kit: Kit = {
      store: () => {
        if (!current) throw new Error('no store open');
        return current;
      },
      another,
      opts,
    };

    beforeEach(async () => {
      backing = await fresh();
      current = await another();
    }, 30_000);

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await backing?.dispose?.();
      backing = undefined;
      current = undefined;
    }, 30_000);

    describe('accounts', () => accountsContract(kit));
    describe('devices', () => devicesContract(kit));
    describe('tokens', () => tokensContract(kit));
    describe('registrations', () => registrationsContract(kit));
    describe('collected tokens', () => collectedContract(kit));
    describe('queue', () => queueContract(kit));
    describe('queue leases', () => leasesContract(kit));
    describe('queue retries', () => retriesContract(kit));
    describe('limiter', () => limiterContract(kit));
    describe('ad-hoc sessions', () => sessionsContract(kit));

    it('limiter() with the same name is the same limiter', async () => {
      const o = { name: 'same', points: 1, durationS: 60 };
      expect(await kit.store().limiter(o).consume('k')).toEqual({ ok: true });
      expect((await kit.store().limiter(o).consume('k')).ok).toBe(false);
    });

    it('ping resolves while open and rejects once closed', async () => {
      await kit.store().ping();
      if (!backing) throw new Error('no backing store');
      const s = await backing.open();
      await s.ping();
      await s.close();
      await expect(s.ping()).rejects.toHaveProperty('message');
    });
  });
}
