// Contract: XEP-0357 registrations — one per jid, provider, deviceId and MUC, each naming one
// target — and the tokens collected from users' clients.
import { expect, it } from '@jest/globals';
import { account, device, type Kit, registration as reg } from './kit.js';

export function registrationsContract(k: Kit): void {
  it('put stores a registration; the same jid, provider, deviceId and muc replaces it', async () => {
    const s = k.store();
    const first = reg('node-1');
    expect(await s.registrations.put(first)).toEqual({ replaced: [] });
    expect(await s.registrations.get('node-1')).toEqual(first);
    expect(await s.registrations.get('node-x')).toBeUndefined();

    const second = reg('node-2', {
      target: { kind: 'remote', relay: 'other', token: 'token-new' },
      createdAt: 2000,
    });
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

  it('a registration targets a device or a token of this relay by id', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id, 'phone', 'apns');
    const t = await s.tokens.add('h', { owner: a.id, scope: 'account', name: '', createdAt: 1 });
    const toDevice = reg('n-dev', { provider: 'apns', target: { kind: 'device', device: d.id } });
    const toToken = reg('n-tok', { provider: 'relay', target: { kind: 'token', token: t.id } });
    await s.registrations.put(toDevice);
    await s.registrations.put(toToken);
    expect(await s.registrations.get('n-dev')).toEqual(toDevice);
    expect(await s.registrations.get('n-tok')).toEqual(toToken);
  });

  it('refuses a target that does not exist, and keeps what it would have replaced', async () => {
    const s = k.store();
    const kept = reg('n-kept', { provider: 'apns' });
    await s.registrations.put(kept);
    const bad = [
      reg('n-bad1', { provider: 'apns', target: { kind: 'device', device: '999999' } }),
      reg('n-bad2', { provider: 'apns', target: { kind: 'token', token: '999999' } }),
    ];
    for (const r of bad) await expect(s.registrations.put(r)).rejects.toHaveProperty('message');
    expect(await s.registrations.listByJid(kept.jid)).toEqual([kept]);
  });

  it('removing a device ends the registrations that target it', async () => {
    const s = k.store();
    const a = await account(s);
    const phone = await device(s, a.id, 'phone', 'apns');
    const tablet = await device(s, a.id, 'tablet', 'apns');
    const plain = reg('n-plain', {
      provider: 'apns',
      target: { kind: 'device', device: phone.id },
    });
    const room = reg('n-room', { ...plain, node: 'n-room', muc: 'r@muc.example.org' });
    const other = reg('n-other', {
      provider: 'apns',
      deviceId: 'tablet',
      target: { kind: 'device', device: tablet.id },
    });
    for (const r of [plain, room, other]) await s.registrations.put(r);
    await s.devices.remove(phone.id);
    expect(await s.registrations.get('n-plain')).toBeUndefined();
    expect(await s.registrations.get('n-room')).toBeUndefined();
    expect(await s.registrations.listByJid(plain.jid)).toEqual([other]);
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

  it('countByJid counts the registrations of a jid; a replacement counts once', async () => {
    const s = k.store();
    await s.registrations.put(reg('c1', { deviceId: 'a' }));
    await s.registrations.put(reg('c2', { deviceId: 'b' }));
    await s.registrations.put(reg('c3', { deviceId: 'b' }));
    await s.registrations.put(reg('c4', { deviceId: 'b', muc: 'r@muc.example.org' }));
    await s.registrations.put(reg('c5', { jid: 'juliet@example.org' }));
    expect(await s.registrations.countByJid('romeo@example.org')).toBe(3);
    expect(await s.registrations.countByJid('juliet@example.org')).toBe(1);
    expect(await s.registrations.countByJid('nobody@example.org')).toBe(0);
    await s.registrations.remove({ jid: 'romeo@example.org', provider: 'fcm', deviceId: 'b' });
    expect(await s.registrations.countByJid('romeo@example.org')).toBe(1);
  });
}

export function collectedContract(k: Kit): void {
  const romeo = 'romeo@example.org';

  it('keeps one collected token per user and relay, the newest', async () => {
    const s = k.store();
    const a = await account(s);
    const t = await s.tokens.add('h', { owner: a.id, scope: 'account', name: '', createdAt: 1 });
    const remote = { kind: 'remote' as const, relay: 'other', token: 'tok-1' };
    const local = { jid: romeo, target: { kind: 'token' as const, token: t.id }, createdAt: 20 };
    await s.collected.put({ jid: romeo, target: remote, createdAt: 10 });
    await s.collected.put(local);
    await s.collected.put({ jid: 'juliet@example.org', target: remote, createdAt: 5 });
    expect(await s.collected.listByJid(romeo)).toEqual([
      { jid: romeo, target: remote, createdAt: 10 },
      local,
    ]);
    const newer = { jid: romeo, target: { ...remote, token: 'tok-2' }, createdAt: 30 };
    await s.collected.put(newer);
    expect(await s.collected.listByJid(romeo)).toEqual([local, newer]);
    expect(await s.collected.listByJid('nobody@example.org')).toEqual([]);
  });

  it('remove forgets one relay of one user', async () => {
    const s = k.store();
    const remote = { kind: 'remote' as const, relay: 'other', token: 'tok' };
    await s.collected.put({ jid: romeo, target: remote, createdAt: 10 });
    await s.collected.put({ jid: romeo, target: { ...remote, relay: 'third' }, createdAt: 11 });
    expect(await s.collected.remove(romeo, 'other')).toBe(true);
    expect(await s.collected.remove(romeo, 'other')).toBe(false);
    expect(await s.collected.remove('juliet@example.org', 'third')).toBe(false);
    expect(await s.collected.listByJid(romeo)).toMatchObject([{ target: { relay: 'third' } }]);
  });

  it('refuses a collected token of this relay that does not exist', async () => {
    const s = k.store();
    const target = { kind: 'token' as const, token: '999999' };
    await expect(s.collected.put({ jid: romeo, target, createdAt: 1 })).rejects.toHaveProperty(
      'message',
    );
    expect(await s.collected.listByJid(romeo)).toEqual([]);
  });
}
