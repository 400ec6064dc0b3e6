import { afterEach, expect, it } from '@jest/globals';
import { log, memoryKit } from '../component/test-kit.js';
import { startTokenSweep } from './token-sweep.js';

let kit: ReturnType<typeof memoryKit> | undefined;
afterEach(() => kit?.store.close());

/** An account with an expired token that a registration and a collected token point at. */
async function expiredToken(k: ReturnType<typeof memoryKit>, name: string) {
  const account = await k.store.accounts.create({ username: name }, 1);
  if (account === 'conflict') throw new Error('conflict');
  const t = await k.store.tokens.add(`hash-${name}`, {
    owner: account.id,
    scope: 'account',
    name,
    createdAt: 1,
    expiresAt: Date.now() - 1,
  });
  const target = { kind: 'token' as const, token: t.id };
  await k.store.registrations.put({
    node: `node-${name}`,
    secretHash: '',
    jid: 'romeo@localhost',
    provider: 'relay',
    deviceId: name,
    target,
    createdAt: 1,
  });
  await k.store.collected.put({ jid: 'romeo@localhost', target, createdAt: 1 });
  return t;
}

it('purges expired tokens at start and then periodically, with what points at them', async () => {
  const k = memoryKit();
  kit = k;
  const first = await expiredToken(k, 'first');
  const sweep = startTokenSweep({ service: k.service, log, everyMs: 20 });
  try {
    await new Promise((r) => setTimeout(r, 5));
    expect(await k.store.tokens.get(first.id)).toBeUndefined();
    expect(await k.store.registrations.get('node-first')).toBeUndefined();
    const second = await expiredToken(k, 'second');
    await new Promise((r) => setTimeout(r, 100));
    expect(await k.store.tokens.get(second.id)).toBeUndefined();
    expect(await k.store.registrations.listByJid('romeo@localhost')).toEqual([]);
    expect(await k.store.collected.listByJid('romeo@localhost')).toEqual([]);
  } finally {
    await sweep.stop();
  }
});
