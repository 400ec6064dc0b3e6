// Contract: accounts, API keys, and the cascade when an account goes.
import { expect, it } from '@jest/globals';
import { account, device, type Kit, payloadOf, push, registration } from './kit.js';

export function accountsContract(k: Kit): void {
  it('creates accounts and finds them by id and username', async () => {
    const s = k.store();
    const a = await s.accounts.create(
      { username: 'alice', email: 'a@example.org', passwordHash: 'scrypt$x' },
      1000,
    );
    expect(a).toEqual({
      id: expect.stringMatching(/^\d+$/),
      username: 'alice',
      email: 'a@example.org',
      passwordHash: 'scrypt$x',
      createdAt: 1000,
    });
    if (a === 'conflict') return;
    const b = await s.accounts.create({ username: 'xmpp:bob@example.org' }, 1001);
    expect(b).toEqual({
      id: expect.stringMatching(/^\d+$/),
      username: 'xmpp:bob@example.org',
      createdAt: 1001,
    });
    expect(b !== 'conflict' && b.id).not.toBe(a.id);
    expect(await s.accounts.get(a.id)).toEqual(a);
    expect(await s.accounts.getByUsername('alice')).toEqual(a);
    expect(await s.accounts.getByUsername('xmpp:bob@example.org')).toEqual(b);
  });

  it('refuses a username that is taken', async () => {
    const s = k.store();
    const a = await account(s, 'alice');
    expect(await s.accounts.create({ username: 'alice', email: 'other@example.org' }, 5)).toBe(
      'conflict',
    );
    expect(await s.accounts.getByUsername('alice')).toEqual(a);
  });

  it('answers undefined or false for what does not exist', async () => {
    const s = k.store();
    expect(await s.accounts.get('999999')).toBeUndefined();
    expect(await s.accounts.getByUsername('nobody')).toBeUndefined();
    expect(await s.accounts.getByApiKey('no-such-hash')).toBeUndefined();
    expect(await s.accounts.remove('999999')).toBe(false);
  });

  it('finds an account by the hash of any of its API keys', async () => {
    const s = k.store();
    const a = await account(s, 'alice');
    const b = await account(s, 'bob');
    await s.accounts.addApiKey('key-1', a.id, 10);
    await s.accounts.addApiKey('key-2', a.id, 11);
    await s.accounts.addApiKey('key-3', b.id, 12);
    expect(await s.accounts.getByApiKey('key-1')).toEqual(a);
    expect(await s.accounts.getByApiKey('key-2')).toEqual(a);
    expect(await s.accounts.getByApiKey('key-3')).toEqual(b);
    await expect(s.accounts.addApiKey('key-4', '999999', 13)).rejects.toHaveProperty('message');
    expect(await s.accounts.getByApiKey('key-4')).toBeUndefined();
  });

  it('removes an account with its API keys, devices, tokens, registrations and jobs', async () => {
    const s = k.store();
    const a = await account(s, 'alice');
    const b = await account(s, 'bob');
    await s.accounts.addApiKey('key-a', a.id, 10);
    const phone = await device(s, a.id, 'phone');
    const tablet = await device(s, a.id, 'tablet', 'fcm');
    const bobs = await device(s, b.id, 'phone');
    const tokA = await s.tokens.add('tok-a', {
      owner: a.id,
      scope: 'account',
      name: 'x',
      createdAt: 1,
    });
    await s.registrations.put(
      registration('n-a', { provider: 'relay', target: { kind: 'token', token: tokA.id } }),
    );
    await s.registrations.put(
      registration('n-b', { deviceId: 'd2', target: { kind: 'device', device: tablet.id } }),
    );
    await s.tokens.add('tok-b', {
      deviceId: bobs.id,
      owner: b.id,
      scope: 'device',
      name: 'y',
      createdAt: 1,
    });
    await s.queue.enqueue(phone.id, push('p1'), 0, 100);
    await s.queue.claim(10, 100, 10_000); // one of them leased: it goes too
    await s.queue.enqueue(phone.id, push('p2'), 0, 101);
    await s.queue.enqueue(tablet.id, push('t1'), 0, 102);
    await s.queue.enqueue(bobs.id, push('b1'), 0, 103);

    expect(await s.accounts.remove(a.id)).toBe(true);
    expect(await s.accounts.remove(a.id)).toBe(false);
    expect(await s.accounts.get(a.id)).toBeUndefined();
    expect(await s.accounts.getByUsername('alice')).toBeUndefined();
    expect(await s.accounts.getByApiKey('key-a')).toBeUndefined();
    expect(await s.devices.get(phone.id)).toBeUndefined();
    expect(await s.devices.get(tablet.id)).toBeUndefined();
    expect(await s.devices.listByOwner(a.id)).toEqual([]);
    expect(await s.tokens.getByHash('tok-a')).toBeUndefined();
    expect(await s.tokens.listByOwner(a.id)).toEqual([]);
    expect((await s.queue.stats(200)).depth).toBe(1);
    expect((await s.queue.claim(10, 20_000, 30_000)).map(payloadOf)).toEqual([{ n: 'b1' }]);
    expect(await s.registrations.listByJid('romeo@example.org')).toEqual([]);
    expect(await s.devices.get(bobs.id)).toEqual(bobs);
    expect(await s.tokens.getByHash('tok-b')).toMatchObject({ owner: b.id });
    // The username is free again, and the new account starts empty.
    const again = await account(s, 'alice');
    expect(again.id).not.toBe(a.id);
    expect(await s.devices.listByOwner(again.id)).toEqual([]);
  });
}
