// Contract: ad-hoc command sessions — taken once, gone when expired, bounded per owner.
import { expect, it } from '@jest/globals';
import type { Kit } from './kit.js';

const ROMEO = {
  node: 'register-push-apns',
  from: 'romeo@example.org/phone',
  owner: 'romeo@example.org',
};
const at = (now: number, max = 5) => ({ now, expiresAt: now + 600_000, max });

export function sessionsContract(k: Kit): void {
  it('a session is taken once, with what it was opened for', async () => {
    const s = k.store();
    expect(await s.sessions.open('s1', ROMEO, at(1000))).toBe('opened');
    expect(await s.sessions.take('s1', ROMEO, 2000)).toBe(true);
    expect(await s.sessions.take('s1', ROMEO, 2000)).toBe(false);
    expect(await s.sessions.take('never', ROMEO, 2000)).toBe(false);
  });

  it('only the sender who opened a session, for its command, can take it', async () => {
    const s = k.store();
    await s.sessions.open('s1', ROMEO, at(1000));
    expect(await s.sessions.take('s1', { ...ROMEO, from: 'tybalt@example.org/x' }, 2000)).toBe(
      false,
    );
    expect(await s.sessions.take('s1', { ...ROMEO, node: 'unregister-push-apns' }, 2000)).toBe(
      false,
    );
    expect(await s.sessions.take('s1', ROMEO, 2000)).toBe(true);
  });

  it('an expired session is absent', async () => {
    const s = k.store();
    await s.sessions.open('s1', ROMEO, { now: 1000, expiresAt: 61_000, max: 5 });
    expect(await s.sessions.take('s1', ROMEO, 61_000)).toBe(false);
  });

  it('another instance on the same store takes the session, and only one taker gets it', async () => {
    const other = await k.another();
    await k.store().sessions.open('s1', ROMEO, at(1000));
    const both = await Promise.all([
      other.sessions.take('s1', ROMEO, 2000),
      k.store().sessions.take('s1', ROMEO, 2000),
    ]);
    expect(both.sort()).toEqual([false, true]);
  });

  it('an owner holds at most `max` open sessions; taken or expired ones make room', async () => {
    const s = k.store();
    for (const id of ['a', 'b', 'c'])
      expect(await s.sessions.open(id, ROMEO, at(1000, 3))).toBe('opened');
    expect(await s.sessions.open('d', ROMEO, at(1000, 3))).toBe('full');
    expect(await s.sessions.take('d', ROMEO, 1000)).toBe(false);
    const juliet = { ...ROMEO, from: 'juliet@example.org/x', owner: 'juliet@example.org' };
    expect(await s.sessions.open('j', juliet, at(1000, 3))).toBe('opened');
    await s.sessions.take('a', ROMEO, 1000);
    expect(await s.sessions.open('e', ROMEO, at(1000, 3))).toBe('opened');
    expect(await s.sessions.open('f', ROMEO, at(1000, 3))).toBe('full');
    // Ten minutes later the earlier ones have expired.
    expect(await s.sessions.open('g', ROMEO, at(601_000, 3))).toBe('opened');
  });
}
