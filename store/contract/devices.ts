// Contract: devices — upsert, listing, owner-checked updates, removal cascade, delivery stats.
import { expect, it } from '@jest/globals';
import { account, device, type Kit, push, registration } from './kit.js';

export function devicesContract(k: Kit): void {
  it('upsert adds a device, then updates token and name of the same one and reactivates it', async () => {
    const s = k.store();
    const a = await account(s);
    const input = { owner: a.id, provider: 'apns' as const, deviceId: 'phone', deviceToken: 't1' };
    const d = await s.devices.upsert({ ...input, name: 'Phone' }, 2000);
    expect(d).toEqual({
      id: expect.stringMatching(/^\d+$/),
      owner: a.id,
      provider: 'apns',
      deviceId: 'phone',
      deviceToken: 't1',
      name: 'Phone',
      active: true,
      createdAt: 2000,
      successCount: 0,
      errorCount: 0,
    });
    expect(await s.devices.get(d.id)).toEqual(d);
    await s.devices.recordError(d.id, 'Unregistered', 2500, true);

    // Without a name the device keeps its own; stats and createdAt stay.
    const again = await s.devices.upsert({ ...input, deviceToken: 't2' }, 3000);
    expect(again).toEqual({
      ...d,
      deviceToken: 't2',
      active: true,
      errorCount: 1,
      lastError: 'Unregistered',
      lastErrorAt: 2500,
    });
    expect((await s.devices.upsert({ ...input, name: 'Renamed' }, 3001)).name).toBe('Renamed');

    const b = await account(s, 'bob');
    const other = [
      await s.devices.upsert({ ...input, provider: 'fcm' }, 4000),
      await s.devices.upsert({ ...input, deviceId: 'tablet' }, 4000),
      await s.devices.upsert({ ...input, owner: b.id }, 4000),
    ];
    expect(new Set([d.id, ...other.map((x) => x.id)]).size).toBe(4);
  });

  it('keeps the route (app, environment, voip) and replaces it on upsert; find looks up by key', async () => {
    const s = k.store();
    const a = await account(s);
    const input = { owner: a.id, provider: 'apns' as const, deviceId: 'phone', deviceToken: 't1' };
    const route = { app: 'siskin', environment: 'sandbox' as const, voip: true };
    const d = await s.devices.upsert({ ...input, ...route }, 1000);
    expect(d).toMatchObject(route);
    expect(await s.devices.find(a.id, 'apns', 'phone')).toEqual(d);
    expect(await s.devices.find(a.id, 'fcm', 'phone')).toBeUndefined();
    expect(await s.devices.find(a.id, 'apns', 'tablet')).toBeUndefined();
    // A registration that names no environment and no VoIP makes the device an ordinary one.
    const plain = await s.devices.upsert({ ...input, app: 'beagle' }, 2000);
    expect(plain.id).toBe(d.id);
    expect(plain.app).toBe('beagle');
    expect(plain).not.toHaveProperty('environment');
    expect(plain).not.toHaveProperty('voip');
    expect(await s.devices.get(d.id)).toEqual(plain);
    const legacy = await s.devices.upsert(input, 3000);
    expect(legacy).not.toHaveProperty('app');
  });

  it('upsert for an account that does not exist rejects', async () => {
    const s = k.store();
    const d = { owner: '999999', provider: 'fcm' as const, deviceId: 'x', deviceToken: 't' };
    await expect(s.devices.upsert(d, 1)).rejects.toHaveProperty('message');
  });

  it("listByOwner lists the owner's devices in creation order, by provider if asked", async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const one = await device(s, a.id, 'one', 'apns');
    const two = await device(s, a.id, 'two', 'fcm');
    const three = await device(s, a.id, 'three', 'apns');
    await device(s, b.id, 'one', 'apns');
    expect(await s.devices.listByOwner(a.id)).toEqual([one, two, three]);
    expect(await s.devices.listByOwner(a.id, 'apns')).toEqual([one, three]);
    expect(await s.devices.listByOwner(a.id, 'fcm')).toEqual([two]);
    expect(await s.devices.listByOwner('999999')).toEqual([]);
  });

  it("countByOwner counts the owner's devices, retired ones too; an update counts once", async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const one = await device(s, a.id, 'one', 'apns');
    await device(s, a.id, 'one', 'apns');
    await device(s, a.id, 'one', 'fcm');
    await device(s, b.id, 'one', 'apns');
    await s.devices.recordError(one.id, 'Unregistered', 3000, true);
    expect(await s.devices.countByOwner(a.id)).toBe(2);
    expect(await s.devices.countByOwner(b.id)).toBe(1);
    expect(await s.devices.countByOwner('999999')).toBe(0);
    await s.devices.remove(one.id);
    expect(await s.devices.countByOwner(a.id)).toBe(1);
  });

  it('update changes name, token or active flag, only for the owner', async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const d = await device(s, a.id);
    expect(await s.devices.update(d.id, b.id, { name: 'stolen' })).toBeUndefined();
    expect(await s.devices.update('999999', a.id, { name: 'x' })).toBeUndefined();
    expect(await s.devices.get(d.id)).toEqual(d);
    expect(await s.devices.update(d.id, a.id, {})).toEqual(d);
    const named = await s.devices.update(d.id, a.id, { name: 'Work phone' });
    expect(named).toEqual({ ...d, name: 'Work phone' });
    const off = await s.devices.update(d.id, a.id, { deviceToken: 'new', active: false });
    expect(off).toEqual({ ...d, name: 'Work phone', deviceToken: 'new', active: false });
    expect(await s.devices.get(d.id)).toEqual(off);
    expect((await s.devices.update(d.id, a.id, { active: true }))?.active).toBe(true);
  });

  it('remove returns the device and removes its tokens, registrations and jobs', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id, 'phone');
    const kept = await device(s, a.id, 'tablet');
    const t = { owner: a.id, scope: 'device' as const, name: 'n', createdAt: 1 };
    await s.tokens.add('h-phone', { ...t, deviceId: d.id });
    await s.tokens.add('h-tablet', { ...t, deviceId: kept.id });
    await s.registrations.put(
      registration('n-phone', { target: { kind: 'device', device: d.id } }),
    );
    await s.queue.enqueue(d.id, push('p'), 0, 100);
    await s.queue.enqueue(kept.id, push('k'), 0, 100);

    expect(await s.devices.remove(d.id)).toEqual(d);
    expect(await s.devices.remove(d.id)).toBeUndefined();
    expect(await s.devices.get(d.id)).toBeUndefined();
    expect(await s.devices.listByOwner(a.id)).toEqual([kept]);
    expect(await s.tokens.getByHash('h-phone')).toBeUndefined();
    expect(await s.tokens.listByOwner(a.id)).toMatchObject([{ deviceId: kept.id }]);
    expect(await s.registrations.get('n-phone')).toBeUndefined();
    expect(await s.queue.claim(10, 100, 1000)).toMatchObject([{ deviceId: kept.id }]);
    // The same owner/provider/deviceId comes back as a new device.
    expect((await device(s, a.id, 'phone')).id).not.toBe(d.id);
  });

  it('records successes and errors; a dead error retires the device', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id);
    await s.devices.recordSuccess(d.id, 3000);
    await s.devices.recordSuccess(d.id, 3001);
    await s.devices.recordError(d.id, 'ServiceUnavailable', 3002, false);
    expect(await s.devices.get(d.id)).toEqual({
      ...d,
      successCount: 2,
      lastSuccessAt: 3001,
      errorCount: 1,
      lastErrorAt: 3002,
      lastError: 'ServiceUnavailable',
    });
    await s.devices.recordError(d.id, 'BadDeviceToken', 3003, true);
    expect(await s.devices.get(d.id)).toMatchObject({
      active: false,
      errorCount: 2,
      lastError: 'BadDeviceToken',
    });
    // Unknown devices are ignored, and stay unknown.
    await s.devices.recordSuccess('999999', 1);
    await s.devices.recordError('999999', 'x', 1, true);
    expect(await s.devices.get('999999')).toBeUndefined();
  });
}
