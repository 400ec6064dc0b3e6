// Contract: rate limiters — points per key and duration, then a wait.
import { expect, it } from '@jest/globals';
import type { Kit } from './kit.js';

export function limiterContract(k: Kit): void {
  it('allows `points` per key, then says how long to wait', async () => {
    const limiter = k.store().limiter({ name: 'login', points: 2, durationS: 60 });
    expect(await limiter.consume('alice')).toEqual({ ok: true });
    expect(await limiter.consume('alice')).toEqual({ ok: true });
    const denied = await limiter.consume('alice');
    expect(denied.ok).toBe(false);
    const wait = denied.ok ? 0 : denied.retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await limiter.consume('bob')).toEqual({ ok: true });
  });

  it('peek tells without taking a point', async () => {
    const limiter = k.store().limiter({ name: 'peek', points: 2, durationS: 60 });
    expect(await limiter.peek('alice')).toEqual({ ok: true });
    expect(await limiter.peek('alice')).toEqual({ ok: true });
    expect(await limiter.consume('alice')).toEqual({ ok: true });
    expect(await limiter.peek('alice')).toEqual({ ok: true });
    expect(await limiter.consume('alice')).toEqual({ ok: true });
    const full = await limiter.peek('alice');
    expect(full).toEqual({ ok: false, retryAfterMs: expect.any(Number) });
    expect(full.ok === false && full.retryAfterMs > 0).toBe(true);
  });

  it('limiters of different names count apart', async () => {
    const s = k.store();
    const one = s.limiter({ name: 'one', points: 1, durationS: 60 });
    const two = s.limiter({ name: 'two', points: 1, durationS: 60 });
    expect(await one.consume('k')).toEqual({ ok: true });
    expect((await one.consume('k')).ok).toBe(false);
    expect(await two.consume('k')).toEqual({ ok: true });
  });

  const shared = k.opts.sharedLimits;
  it(`instances on one store ${shared ? 'share their limits' : 'keep limits per process'}`, async () => {
    const options = { name: 'shared', points: 1, durationS: 60 };
    const other = await k.another();
    expect(await k.store().limiter(options).consume('k')).toEqual({ ok: true });
    expect((await other.limiter(options).consume('k')).ok).toBe(!shared);
  });
}
