// Contract: the delivery queue — coalescing, rate spacing, leases, retries, concurrent claims.
import { expect, it } from '@jest/globals';
import type { Store } from '../types.js';
import { account, device, type Kit } from './kit.js';

async function oneDevice(s: Store): Promise<string> {
  return (await device(s, (await account(s)).id)).id;
}

export function queueContract(k: Kit): void {
  it('the first push is due at once; pushes coalesce while one waits', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    expect(await s.queue.stats(0)).toEqual({ depth: 0, oldestAgeMs: 0 });
    expect(await s.queue.enqueue(d, 'a', 1000, 10_000)).toBe('queued');
    expect(await s.queue.enqueue(d, 'b', 1000, 10_001)).toBe('coalesced');
    expect(await s.queue.stats(10_500)).toEqual({ depth: 1, oldestAgeMs: 500 });
    expect(await s.queue.claim(10, 9_999, 20_000)).toEqual([]);
    expect(await s.queue.claim(10, 10_000, 20_000)).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        deviceId: d,
        payload: 'b',
        attempts: 1,
        createdAt: 10_000,
      },
    ]);
  });

  it('a later push is due minIntervalMs after the previous one', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, 'a', 1000, 10_000);
    const [first] = await s.queue.claim(10, 10_000, 90_000);
    expect(await s.queue.enqueue(d, 'b', 1000, 10_300)).toBe('queued');
    expect(await s.queue.enqueue(d, 'c', 1000, 10_400)).toBe('coalesced');
    expect(await s.queue.stats(10_500)).toEqual({ depth: 2, oldestAgeMs: 500 });
    expect(await s.queue.claim(10, 10_999, 90_000)).toEqual([]);
    const [second] = await s.queue.claim(10, 11_000, 90_000);
    expect(second).toMatchObject({ payload: 'c', createdAt: 10_300, attempts: 1 });
    // Due at 12_000: the interval counts from the previous due time, not from now.
    await s.queue.enqueue(d, 'd', 1000, 11_500);
    expect(await s.queue.claim(10, 11_999, 90_000)).toEqual([]);
    expect(await s.queue.claim(10, 12_000, 90_000)).toMatchObject([{ payload: 'd' }]);
    // Long after, a push is due at once again.
    await s.queue.enqueue(d, 'e', 1000, 50_000);
    expect(await s.queue.claim(10, 50_000, 90_000)).toMatchObject([{ payload: 'e' }]);
    expect(first?.id).not.toBe(second?.id);
  });

  it('claims up to `limit` due jobs, earliest first', async () => {
    const s = k.store();
    const a = await account(s);
    for (const [i, due] of [300, 100, 200, 900].entries()) {
      await s.queue.enqueue((await device(s, a.id, `d${i}`)).id, `at ${due}`, 0, due);
    }
    const got = await s.queue.claim(2, 500, 10_000);
    expect(got.map((j) => j.payload).sort()).toEqual(['at 100', 'at 200']);
    expect((await s.queue.claim(5, 500, 10_000)).map((j) => j.payload)).toEqual(['at 300']);
    expect(await s.queue.claim(0, 1000, 10_000)).toEqual([]);
  });

  it('a claimed job is handed out again only when its lease has ended', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, 'p', 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    const other = await k.another();
    expect(await s.queue.claim(10, 4999, 9000)).toEqual([]);
    expect(await other.queue.claim(10, 4999, 9000)).toEqual([]);
    expect(await other.queue.claim(10, 5000, 9000)).toEqual([{ ...job, attempts: 2 }]);
    expect(await s.queue.claim(10, 8999, 20_000)).toEqual([]);
    expect(await s.queue.stats(1100)).toEqual({ depth: 1, oldestAgeMs: 1000 });
  });

  it('complete removes the job', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, 'p', 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    await s.queue.complete(job?.id ?? '');
    await s.queue.complete(job?.id ?? ''); // twice is harmless
    await s.queue.complete('999999');
    expect(await s.queue.stats(200)).toEqual({ depth: 0, oldestAgeMs: 0 });
    expect(await s.queue.claim(10, 99_999, 100_000)).toEqual([]);
  });

  it('retry puts a job back, due at dueAt, and pushes coalesce into it', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, 'p', 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    await s.queue.retry(job?.id ?? '', 3000);
    await s.queue.retry('999999', 3000);
    expect(await s.queue.claim(10, 2999, 9000)).toEqual([]);
    expect(await s.queue.enqueue(d, 'q', 0, 2000)).toBe('coalesced');
    expect(await s.queue.claim(10, 3000, 9000)).toEqual([{ ...job, payload: 'q', attempts: 2 }]);
  });

  it('retry drops the job when a newer one for the device waits', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, 'old', 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    expect(await s.queue.enqueue(d, 'new', 0, 200)).toBe('queued');
    await s.queue.retry(job?.id ?? '', 300);
    expect((await s.queue.stats(400)).depth).toBe(1);
    expect(await s.queue.claim(10, 10_000, 20_000)).toMatchObject([
      { payload: 'new', attempts: 1 },
    ]);
  });

  it('a push for a device that is gone is dropped', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.devices.remove(d);
    await s.queue.enqueue(d, 'p', 0, 100);
    await s.queue.enqueue('999999', 'p', 0, 100);
    expect(await s.queue.stats(200)).toEqual({ depth: 0, oldestAgeMs: 0 });
  });

  it('two instances claiming at once never get the same job', async () => {
    const s = k.store();
    const other = await k.another();
    const a = await account(s);
    const ids = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => (await device(s, a.id, `d${i}`)).id),
    );
    for (const id of ids) await s.queue.enqueue(id, 'p', 0, 100);
    const drain = async (store: Store) => {
      const got: string[] = [];
      for (;;) {
        const jobs = await store.queue.claim(7, 1000, 60_000);
        if (jobs.length === 0) return got;
        got.push(...jobs.map((j) => j.id));
      }
    };
    // Two drains per instance, all interleaved.
    const all = (await Promise.all([drain(s), drain(other), drain(s), drain(other)])).flat();
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
  }, 30_000);
}
