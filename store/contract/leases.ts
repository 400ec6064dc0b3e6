// Contract: the delivery queue's claims and leases — due jobs handed out earliest first, a job out
// again when its lease ends (or merged into a newer push), stale holders, extend, and concurrent
// claims from two instances.
import { expect, it } from '@jest/globals';
import type { Store } from '../types.js';
import { account, device, type Kit, oneDevice, oneJobOut, payloadOf, push } from './kit.js';

export function leasesContract(k: Kit): void {
  it('claims up to `limit` due jobs, earliest first', async () => {
    const s = k.store();
    const a = await account(s);
    for (const [i, due] of [300, 100, 200, 900].entries()) {
      await s.queue.enqueue((await device(s, a.id, `d${i}`)).id, push(due), 0, due);
    }
    const got = await s.queue.claim(2, 500, 10_000);
    expect(got.map((j) => payloadOf(j)).sort()).toEqual([{ n: 100 }, { n: 200 }]);
    expect((await s.queue.claim(5, 500, 10_000)).map(payloadOf)).toEqual([{ n: 300 }]);
    expect(await s.queue.claim(0, 1000, 10_000)).toEqual([]);
  });

  it('a claimed job is handed out again only when its lease has ended', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('p'), 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    const other = await k.another();
    expect(await s.queue.claim(10, 4999, 9000)).toEqual([]);
    expect(await other.queue.claim(10, 4999, 9000)).toEqual([]);
    const again = { ...job, attempts: 2, lease: expect.not.stringMatching(`^${job?.lease}$`) };
    expect(await other.queue.claim(10, 5000, 9000)).toEqual([again]);
    expect(await s.queue.claim(10, 8999, 20_000)).toEqual([]);
    expect(await s.queue.stats(1100)).toEqual({ depth: 1, oldestAgeMs: 1000 });
  });

  it('a job whose lease ran out goes into a newer push of its device that is due, not out again', async () => {
    const s = k.store();
    const { d, job: old } = await oneJobOut(s);
    await s.queue.enqueue(d, push('new', 'low', { b: 2 }), 0, 200);
    // Its holder died: at the end of its lease, one push with the newer content.
    const got = await (await k.another()).queue.claim(10, 5000, 9000);
    expect(got).toEqual([
      expect.objectContaining({ deviceId: d, priority: 'high', attempts: 1, createdAt: 200 }),
    ]);
    expect(payloadOf(got[0])).toEqual({ n: 'new', a: 1, b: 2 });
    // The dead holder's answer changes nothing; nothing else is queued.
    await s.queue.complete(old);
    expect(await s.queue.stats(5000)).toEqual({ depth: 1, oldestAgeMs: 4800 });
    expect(await s.queue.claim(10, 8999, 20_000)).toEqual([]);
  });

  it('a job whose lease ran out goes out again when the newer push of its device is not due yet', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('old'), 10_000, 100);
    const [old] = await s.queue.claim(10, 100, 5000);
    // Rate spacing: the newer push is due at 10_100.
    await s.queue.enqueue(d, push('new'), 10_000, 200);
    const got = await s.queue.claim(10, 5000, 30_000);
    expect(got).toEqual([{ ...old, attempts: 2, lease: expect.any(String) }]);
    expect((await s.queue.claim(10, 10_100, 20_000)).map(payloadOf)).toEqual([{ n: 'new' }]);
  });

  it('only the current lease holder completes or retries a job', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('p'), 0, 100);
    const [stale] = await s.queue.claim(10, 100, 5000);
    const other = await k.another();
    const [current] = await other.queue.claim(10, 5000, 9000);
    if (!stale || !current) throw new Error('no job');
    expect(current.lease).not.toBe(stale.lease);
    // The first holder's send took longer than its lease: its answer changes nothing.
    await s.queue.complete(stale);
    await s.queue.retry(stale, 6000);
    await s.queue.extend([stale], 100_000);
    expect((await s.queue.stats(6000)).depth).toBe(1);
    expect(await s.queue.claim(10, 8999, 20_000)).toEqual([]);
    await other.queue.retry(current, 9500);
    // A parked job is nobody's: its last holder cannot complete it either.
    await other.queue.complete(current);
    const [third] = await s.queue.claim(10, 9500, 20_000);
    expect(third).toMatchObject({ id: current.id, attempts: 3 });
    await s.queue.complete(current);
    expect((await s.queue.stats(9600)).depth).toBe(1);
    if (!third) throw new Error('no job');
    await s.queue.complete(third);
    expect((await s.queue.stats(9600)).depth).toBe(0);
  });

  it('extend keeps leases in one call; a job is claimed again only after the last extension', async () => {
    const s = k.store();
    const a = await account(s);
    for (const name of ['a', 'b', 'c']) {
      await s.queue.enqueue((await device(s, a.id, name)).id, push(name), 0, 100);
    }
    const jobs = await s.queue.claim(10, 100, 5000);
    expect(jobs).toHaveLength(3);
    await s.queue.extend(jobs.slice(0, 2), 8000);
    await s.queue.extend([], 8000);
    expect((await s.queue.claim(10, 5000, 20_000)).map(payloadOf)).toEqual([payloadOf(jobs[2])]);
    expect(await s.queue.claim(10, 7999, 20_000)).toEqual([]);
    expect(await s.queue.claim(10, 8000, 20_000)).toHaveLength(2);
  });

  it('two instances claiming at once never get the same job', async () => {
    const s = k.store();
    const other = await k.another();
    const a = await account(s);
    const ids = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => (await device(s, a.id, `d${i}`)).id),
    );
    for (const id of ids) await s.queue.enqueue(id, push('p'), 0, 100);
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
