// Contract: XEP-0357 registrations — one per jid, provider, deviceId and MUC.
import { expect, it } from '@jest/globals';
import { type Kit, registration as reg } from './kit.js';

export function registrationsContract(k: Kit): void {
  it('put stores a registration; the same jid, provider, deviceId and muc replaces it', async () => {
    const s = k.store();
    const first = reg('node-1');
    expect(await s.registrations.put(first)).toEqual({ replaced: [] });
    expect(await s.registrations.get('node-1')).toEqual(first);
    expect(await s.registrations.get('node-x')).toBeUndefined();

    const second = reg('node-2', { token: 'token-new', createdAt: 2000 });
    expect(await s.registrations.put(second)).toEqual({ replaced: [first] });
    expect(await s.registrations.get('node-1')).toBeUndefined();
    expect(await s.registrations.get('node-2')).toEqual(second);

    // Another provider, device, jid or muc is another registration.
    const others = [
      reg('node-3', { provider: 'apns' }),
      reg('node-4', { deviceId: 'dev2' }),
      reg('node-5', { jid: 'juliet@example.org' }),
      reg('node-6', { muc: 'room@muc.example.org' }),
    ];
    for (const r of others) expect(await s.registrations.put(r)).toEqual({ replaced: [] });
    expect(await s.registrations.get('node-2')).toEqual(second);
  });

  it('remove takes the registrations of one muc, or all of the device', async () => {
    const s = k.store();
    const plain = reg('n-plain', { createdAt: 1 });
    const room1 = reg('n-room1', { muc: 'one@muc.example.org', createdAt: 2 });
    const room2 = reg('n-room2', { muc: 'two@muc.example.org', createdAt: 3 });
    const otherDevice = reg('n-other', { deviceId: 'dev2', createdAt: 4 });
    for (const r of [plain, room1, room2, otherDevice]) await s.registrations.put(r);
    const key = { jid: plain.jid, provider: plain.provider, deviceId: plain.deviceId };

    expect(await s.registrations.remove({ ...key, muc: 'one@muc.example.org' })).toEqual([room1]);
    expect(await s.registrations.remove({ ...key, muc: 'one@muc.example.org' })).toEqual([]);
    const rest = await s.registrations.remove(key);
    expect(rest.sort((a, b) => a.createdAt - b.createdAt)).toEqual([plain, room2]);
    expect(await s.registrations.remove(key)).toEqual([]);
    expect(await s.registrations.listByJid(plain.jid)).toEqual([otherDevice]);
  });

  it('listByJid lists the registrations of a jid by creation time', async () => {
    const s = k.store();
    const late = reg('n-late', { deviceId: 'a', createdAt: 30 });
    const early = reg('n-early', { deviceId: 'b', createdAt: 10 });
    const middle = reg('n-middle', { deviceId: 'c', muc: 'r@muc.example.org', createdAt: 20 });
    const stranger = reg('n-stranger', { jid: 'juliet@example.org' });
    for (const r of [late, early, middle, stranger]) await s.registrations.put(r);
    expect(await s.registrations.listByJid('romeo@example.org')).toEqual([early, middle, late]);
    expect(await s.registrations.listByJid('juliet@example.org')).toEqual([stranger]);
    expect(await s.registrations.listByJid('nobody@example.org')).toEqual([]);
  });
}
