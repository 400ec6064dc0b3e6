// What explain and admin-status say when APNs refuses a device that never received a push:
// the app's settings may be wrong (relay/config-suspects.ts), so the device is kept.
import { afterEach, describe, expect, it } from '@jest/globals';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import type { Connection } from './connection.js';
import { statusLines } from './diagnostic-commands.js';
import { explainRegistrations } from './explain.js';
import { registrarOf, relayOver } from './test-kit.js';

const USER = 'romeo@localhost';

let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

async function registered() {
  const store = openSqliteStore(':memory:');
  stores.push(store);
  const kit = relayOver(store);
  await registrarOf(kit).register({
    jid: USER,
    provider: 'apns',
    deviceToken: 'ab'.repeat(32),
    deviceId: 'phone',
  });
  const [reg] = await store.registrations.listByJid(USER);
  if (reg?.target.kind !== 'device') throw new Error('no device registration');
  return { store, kit, device: reg.target.device };
}

describe('explain', () => {
  it('says a kept device refused with BadDeviceToken waits on the relay settings', async () => {
    const { store, kit, device } = await registered();
    // As the delivery worker records it when it keeps the device (not retired).
    await store.devices.recordError(device, 'BadDeviceToken', Date.now(), false);
    const [line] = await explainRegistrations(
      USER,
      await store.registrations.listByJid(USER),
      [],
      kit.targets,
    );
    expect(line).toMatch(
      /^APNs device 'phone': waiting: APNs refused the last push \d+ s ago \(BadDeviceToken\), as it does for every device when the relay's settings for the app \(topic, key or environment\) are wrong; the device is kept and retried\./,
    );
  });

  it('says a retired device is not working', async () => {
    const { store, kit, device } = await registered();
    await store.devices.recordError(device, 'BadDeviceToken', Date.now(), true);
    const [line] = await explainRegistrations(
      USER,
      await store.registrations.listByJid(USER),
      [],
      kit.targets,
    );
    expect(line).toMatch(/^APNs device 'phone': not working: APNs rejected the device token/);
  });
});

describe('admin-status', () => {
  it('names each app whose configuration looks wrong', async () => {
    const { store, kit } = await registered();
    const link = { online: true, reconnects: 0 } as Connection;
    const since = Date.UTC(2026, 11, 3, 12);
    const lines = await statusLines(link, store, kit.service.apps, since, [
      { app: 'siskin', reason: 'DeviceTokenNotForTopic', since },
    ]);
    expect(lines).toContain(
      "App 'siskin': its configuration looks wrong since 2026-12-03T12:00:00.000Z: APNs answers DeviceTokenNotForTopic for devices that never received a push (check its topic, key and environment).",
    );
    const fine = await statusLines(link, store, kit.service.apps, since, []);
    expect(fine.some((l) => l.includes('looks wrong'))).toBe(false);
  });
});
