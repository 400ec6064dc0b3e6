// Contract: whitelist tokens — stored by hash, owned by an account (or one of its devices),
// listed and revoked by their owner only.
import { expect, it } from '@jest/globals';
import { account, device, type Kit, registration } from './kit.js';

export function tokensContract(k: Kit): void {
  it('stores a token by hash; get, getByHash and listByOwner find it', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id);
    const t1 = await s.tokens.add('hash-1', {
      owner: a.id,
      scope: 'account',
      name: 'web',
      createdAt: 10,
      expiresAt: 5000,
    });
    expect(t1).toEqual({
      id: expect.stringMatching(/^\d+$/),
      owner: a.id,
      scope: 'account',
      name: 'web',
      createdAt: 10,
      expiresAt: 5000,
    });
    const t2 = await s.tokens.add('hash-2', {
      owner: a.id,
      scope: 'device',
      deviceId: d.id,
      name: 'xmpp',
      createdAt: 11,
    });
    expect(t2).toEqual({
      id: expect.stringMatching(/^\d+$/),
      owner: a.id,
      scope: 'device',
      deviceId: d.id,
      name: 'xmpp',
      createdAt: 11,
    });
    expect(t2.id).not.toBe(t1.id);
    expect(await s.tokens.getByHash('hash-1')).toEqual(t1);
    expect(await s.tokens.getByHash('hash-2')).toEqual(t2);
    expect(await s.tokens.getByHash('hash-3')).toBeUndefined();
    expect(await s.tokens.get(t1.id)).toEqual(t1);
    expect(await s.tokens.get('999999')).toBeUndefined();
    expect(await s.tokens.listByOwner(a.id)).toEqual([t1, t2]);
    expect(await s.tokens.listByOwner('999999')).toEqual([]);
  });

  it('refuses a token of an unknown account, or for a device of another account', async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const d = await device(s, a.id);
    const t = { scope: 'device' as const, name: 'n', createdAt: 1 };
    await expect(s.tokens.add('h1', { ...t, deviceId: d.id, owner: b.id })).rejects.toHaveProperty(
      'message',
    );
    await expect(
      s.tokens.add('h2', { ...t, deviceId: '999999', owner: a.id }),
    ).rejects.toHaveProperty('message');
    await expect(
      s.tokens.add('h3', { scope: 'account', name: 'n', createdAt: 1, owner: '999999' }),
    ).rejects.toHaveProperty('message');
    for (const h of ['h1', 'h2', 'h3']) expect(await s.tokens.getByHash(h)).toBeUndefined();
    expect(await s.tokens.listByOwner(b.id)).toEqual([]);
  });

  it('an account token outlives any device; a device token ends with its device', async () => {
    const s = k.store();
    const a = await account(s);
    const phone = await device(s, a.id, 'phone');
    const whole = await s.tokens.add('h-account', {
      owner: a.id,
      scope: 'account',
      name: 'all',
      createdAt: 1,
    });
    await s.tokens.add('h-phone', {
      owner: a.id,
      scope: 'device',
      deviceId: phone.id,
      name: 'phone',
      createdAt: 1,
    });
    await s.devices.remove(phone.id);
    expect(await s.tokens.getByHash('h-account')).toEqual(whole);
    expect(await s.tokens.getByHash('h-phone')).toBeUndefined();
    expect(await s.tokens.listByOwner(a.id)).toEqual([whole]);
  });

  it("revokes by hash or by id, only the owner's tokens", async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const d = await device(s, a.id);
    const t = { owner: a.id, scope: 'account' as const, name: 'n', createdAt: 1 };
    const t1 = await s.tokens.add('hash-1', t);
    const t2 = await s.tokens.add('hash-2', t);

    expect(await s.tokens.removeByHash('hash-1', b.id)).toBe(false);
    expect(await s.tokens.removeById(t2.id, b.id)).toBe(false);
    expect(await s.tokens.listByOwner(a.id)).toEqual([t1, t2]);

    expect(await s.tokens.removeByHash('hash-1', a.id)).toBe(true);
    expect(await s.tokens.removeByHash('hash-1', a.id)).toBe(false);
    expect(await s.tokens.getByHash('hash-1')).toBeUndefined();
    expect(await s.tokens.removeById(t2.id, a.id)).toBe(true);
    expect(await s.tokens.removeById(t2.id, a.id)).toBe(false);
    expect(await s.tokens.removeById('999999', a.id)).toBe(false);
    expect(await s.tokens.listByOwner(a.id)).toEqual([]);
    expect(await s.devices.get(d.id)).toEqual(d);
  });

  it('revoking a token ends the registrations and collected tokens that point at it', async () => {
    const s = k.store();
    const a = await account(s);
    const t = await s.tokens.add('hash-1', {
      owner: a.id,
      scope: 'account',
      name: 'n',
      createdAt: 1,
    });
    const kept = await s.tokens.add('hash-2', {
      owner: a.id,
      scope: 'account',
      name: 'n',
      createdAt: 1,
    });
    const target = { kind: 'token' as const, token: t.id };
    await s.registrations.put(registration('n1', { provider: 'relay', target }));
    await s.registrations.put(
      registration('n2', {
        provider: 'relay',
        deviceId: 'd2',
        target: { ...target, token: kept.id },
      }),
    );
    await s.collected.put({ jid: 'romeo@example.org', target, createdAt: 5 });
    expect(await s.tokens.removeById(t.id, a.id)).toBe(true);
    expect(await s.registrations.get('n1')).toBeUndefined();
    expect(await s.registrations.get('n2')).toMatchObject({ target: { token: kept.id } });
    expect(await s.collected.listByJid('romeo@example.org')).toEqual([]);
  });

  it("countByOwner counts the owner's tokens", async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const t = { owner: a.id, scope: 'account' as const, name: 'n', createdAt: 1 };
    const first = await s.tokens.add('hash-1', t);
    await s.tokens.add('hash-2', t);
    await s.tokens.add('hash-3', { ...t, owner: b.id });
    expect(await s.tokens.countByOwner(a.id)).toBe(2);
    expect(await s.tokens.countByOwner('999999')).toBe(0);
    await s.tokens.removeById(first.id, a.id);
    expect(await s.tokens.countByOwner(a.id)).toBe(1);
  });

  it('purgeExpired removes the tokens expired by now, with what points at them', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id);
    const t = { owner: a.id, scope: 'account' as const, name: 'n', createdAt: 1 };
    const old = await s.tokens.add('hash-old', { ...t, expiresAt: 100 });
    const now = await s.tokens.add('hash-now', { ...t, expiresAt: 200 });
    const later = await s.tokens.add('hash-later', { ...t, expiresAt: 300 });
    const forever = await s.tokens.add('hash-forever', t);
    const phone = await s.tokens.add('hash-phone', {
      ...t,
      scope: 'device',
      deviceId: d.id,
      expiresAt: 50,
    });
    await s.registrations.put(
      registration('n1', { provider: 'relay', target: { kind: 'token', token: old.id } }),
    );
    await s.collected.put({
      jid: 'romeo@example.org',
      target: { kind: 'token', token: now.id },
      createdAt: 5,
    });
    expect(await s.tokens.purgeExpired(200)).toBe(3);
    expect(await s.tokens.listByOwner(a.id)).toEqual([later, forever]);
    for (const gone of [old, now, phone]) expect(await s.tokens.get(gone.id)).toBeUndefined();
    expect(await s.tokens.getByHash('hash-old')).toBeUndefined();
    expect(await s.registrations.get('n1')).toBeUndefined();
    expect(await s.collected.listByJid('romeo@example.org')).toEqual([]);
    expect(await s.devices.get(d.id)).toEqual(d);
    expect(await s.tokens.purgeExpired(200)).toBe(0);
    // A token revoked before it expired leaves nothing for the purge to trip on.
    await s.tokens.removeById(later.id, a.id);
    expect(await s.tokens.purgeExpired(1000)).toBe(0);
    expect(await s.tokens.listByOwner(a.id)).toEqual([forever]);
  });

  it('purgeExpired takes any number of tokens', async () => {
    const s = k.store();
    const a = await account(s);
    for (let i = 0; i < 1203; i++) {
      await s.tokens.add(`hash-${i}`, {
        owner: a.id,
        scope: 'account',
        name: 'n',
        createdAt: 1,
        expiresAt: 10 + (i % 2),
      });
    }
    expect(await s.tokens.purgeExpired(11)).toBe(1203);
    expect(await s.tokens.countByOwner(a.id)).toBe(0);
  });
}
