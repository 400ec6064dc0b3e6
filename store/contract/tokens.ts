// Contract: whitelist tokens — stored by hash, listed and revoked by their owner.
import { expect, it } from '@jest/globals';
import { account, device, type Kit } from './kit.js';

export function tokensContract(k: Kit): void {
  it('stores a token by hash; getByHash and listByOwner find it', async () => {
    const s = k.store();
    const a = await account(s);
    const d = await device(s, a.id);
    const t1 = await s.tokens.add('hash-1', {
      deviceId: d.id,
      owner: a.id,
      scope: 'account',
      name: 'web',
      createdAt: 10,
      expiresAt: 5000,
    });
    expect(t1).toEqual({
      id: expect.stringMatching(/^\d+$/),
      deviceId: d.id,
      owner: a.id,
      scope: 'account',
      name: 'web',
      createdAt: 10,
      expiresAt: 5000,
    });
    const t2 = await s.tokens.add('hash-2', {
      deviceId: d.id,
      owner: a.id,
      scope: 'device',
      name: 'xmpp',
      createdAt: 11,
    });
    expect(t2.id).not.toBe(t1.id);
    expect(await s.tokens.getByHash('hash-1')).toEqual(t1);
    expect(await s.tokens.getByHash('hash-2')).toEqual(t2);
    expect(await s.tokens.getByHash('hash-3')).toBeUndefined();
    expect(await s.tokens.listByOwner(a.id)).toEqual([t1, t2]);
    expect(await s.tokens.listByOwner('999999')).toEqual([]);
  });

  it('refuses a token for a device the owner does not have', async () => {
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
    expect(await s.tokens.getByHash('h1')).toBeUndefined();
    expect(await s.tokens.listByOwner(b.id)).toEqual([]);
  });

  it("revokes by hash or by id, only the owner's tokens", async () => {
    const s = k.store();
    const a = await account(s);
    const b = await account(s, 'bob');
    const d = await device(s, a.id);
    const t = { deviceId: d.id, owner: a.id, scope: 'account' as const, name: 'n', createdAt: 1 };
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
}
