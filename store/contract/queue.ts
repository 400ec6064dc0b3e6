// Contract: the delivery queue — merging, rate spacing, leases, parked retries, concurrent claims.
import { expect, it } from '@jest/globals';
import type { Job, Store } from '../types.js';
import { account, device, type Kit, payloadOf, push } from './kit.js';

async function oneDevice(s: Store): Promise<string> {
  return (await device(s, (await account(s)).id)).id;
}

/** One device whose push (`old`, high, a: 1), enqueued at 100, is out: claimed with lease 5000. */
async function oneJobOut(s: Store): Promise<{ d: string; job: Job }> {
  const d = await oneDevice(s);
  await s.queue.enqueue(d, push('old', 'high', { a: 1 }), 0, 100);
  const [job] = await s.queue.claim(10, 100, 5000);
  if (!job) throw new Error('no job');
  return { d, job };
}

export function queueContract(k: Kit): void {
  it('the first push is due at once; pushes merge while one waits untried', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    expect(await s.queue.stats(0)).toEqual({ depth: 0, oldestAgeMs: 0 });
    expect(await s.queue.enqueue(d, push(1, 'high', { a: 'x', b: 'y' }), 1000, 10_000)).toBe(
      'queued',
    );
    expect(await s.queue.enqueue(d, push(2, 'low', { b: 'z', c: 'w' }), 1000, 10_001)).toBe(
      'coalesced',
    );
    expect(await s.queue.stats(10_500)).toEqual({ depth: 1, oldestAgeMs: 500 });
    expect(await s.queue.claim(10, 9_999, 20_000)).toEqual([]);
    const jobs = await s.queue.claim(10, 10_000, 20_000);
    expect(jobs).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        deviceId: d,
        payload: expect.any(String),
        priority: 'high',
        attempts: 1,
        createdAt: 10_000,
        lease: expect.any(String),
      },
    ]);
    // The newer push's members win; members only the older one had stay.
    expect(payloadOf(jobs[0])).toEqual({ n: 2, a: 'x', b: 'z', c: 'w' });
  });

  it('a push made before the waiting one but enqueued after it does not overwrite its content', async () => {
    // Two processes behind one server: the user's later publish reached the store first.
    const s = k.store();
    const d = await oneDevice(s);
    expect(await s.queue.enqueue(d, push(7, 'low', { a: 'x' }), 0, 10_500)).toBe('queued');
    expect(await s.queue.enqueue(d, push(6, 'high', { b: 'y' }), 0, 10_000)).toBe('coalesced');
    const [job] = await s.queue.claim(10, 20_000, 30_000);
    expect(payloadOf(job)).toEqual({ n: 7, a: 'x', b: 'y' });
    expect(job?.priority).toBe('high');
    // A parked job's content is taken along the same way.
    if (!job) throw new Error('no job');
    await s.queue.retry(job, 60_000);
    expect(await s.queue.enqueue(d, push(5), 0, 10_200)).toBe('queued');
    const [revived] = await s.queue.claim(10, 20_000, 30_000);
    expect(payloadOf(revived)).toMatchObject({ n: 7 });
  });

  it('a later high-priority push raises a waiting low one', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push(1, 'low'), 0, 100);
    await s.queue.enqueue(d, push(2, 'high'), 0, 101);
    await s.queue.enqueue(d, push(3, 'low'), 0, 102);
    const [job] = await s.queue.claim(10, 200, 1000);
    expect(job?.priority).toBe('high');
    expect(payloadOf(job)).toEqual({ n: 3 });
  });

  it('a later push is due minIntervalMs after the previous one', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('a'), 1000, 10_000);
    const [first] = await s.queue.claim(10, 10_000, 90_000);
    expect(await s.queue.enqueue(d, push('b'), 1000, 10_300)).toBe('queued');
    expect(await s.queue.enqueue(d, push('c'), 1000, 10_400)).toBe('coalesced');
    expect(await s.queue.stats(10_500)).toEqual({ depth: 2, oldestAgeMs: 500 });
    expect(await s.queue.claim(10, 10_999, 90_000)).toEqual([]);
    const [second] = await s.queue.claim(10, 11_000, 90_000);
    expect(payloadOf(second)).toEqual({ n: 'c' });
    expect(second).toMatchObject({ createdAt: 10_300, attempts: 1 });
    // Due at 12_000: the interval counts from the previous due time, not from now.
    await s.queue.enqueue(d, push('d'), 1000, 11_500);
    expect(await s.queue.claim(10, 11_999, 90_000)).toEqual([]);
    expect((await s.queue.claim(10, 12_000, 90_000)).map(payloadOf)).toEqual([{ n: 'd' }]);
    // Long after, a push is due at once again.
    await s.queue.enqueue(d, push('e'), 1000, 50_000);
    expect((await s.queue.claim(10, 50_000, 90_000)).map(payloadOf)).toEqual([{ n: 'e' }]);
    expect(first?.id).not.toBe(second?.id);
  });

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

  it('complete removes the job', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('p'), 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    if (!job) throw new Error('no job');
    await s.queue.complete(job);
    await s.queue.complete(job); // twice is harmless
    await s.queue.complete({ id: '999999', lease: job.lease });
    expect(await s.queue.stats(200)).toEqual({ depth: 0, oldestAgeMs: 0 });
    expect(await s.queue.claim(10, 99_999, 100_000)).toEqual([]);
  });

  it('retry parks a job until dueAt', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.queue.enqueue(d, push('p', 'high'), 0, 100);
    const [job] = await s.queue.claim(10, 100, 5000);
    if (!job) throw new Error('no job');
    await s.queue.retry(job, 3000);
    await s.queue.retry({ id: '999999', lease: job.lease }, 3000);
    expect(await s.queue.claim(10, 2999, 9000)).toEqual([]);
    expect(await s.queue.claim(10, 3000, 9000)).toEqual([
      { ...job, attempts: 2, lease: expect.any(String) },
    ]);
  });

  it('a push never waits behind a parked job: it takes the parked content along, due at once', async () => {
    const s = k.store();
    const { d, job } = await oneJobOut(s);
    await s.queue.retry(job, 60_000);
    expect(await s.queue.enqueue(d, push('new', 'low'), 0, 2000)).toBe('queued');
    expect((await s.queue.stats(2000)).depth).toBe(1);
    const [next] = await s.queue.claim(10, 2000, 9000);
    expect(next).toMatchObject({ deviceId: d, priority: 'high', attempts: 1 });
    expect(payloadOf(next)).toEqual({ n: 'new', a: 1 });
    if (!next) throw new Error('no job');
    await s.queue.complete(next);
    expect(await s.queue.claim(10, 100_000, 200_000)).toEqual([]);
  });

  it('retry hands a job over to a newer one that waits, which takes its content along', async () => {
    const s = k.store();
    const { d, job } = await oneJobOut(s);
    expect(await s.queue.enqueue(d, push('new', 'low'), 0, 200)).toBe('queued');
    await s.queue.retry(job, 300);
    expect((await s.queue.stats(400)).depth).toBe(1);
    const jobs = await s.queue.claim(10, 10_000, 20_000);
    expect(jobs).toMatchObject([{ priority: 'high', attempts: 1 }]);
    expect(payloadOf(jobs[0])).toEqual({ n: 'new', a: 1 });
  });

  it('retry keeps the newest push of a device, whichever job holds it', async () => {
    const s = k.store();
    const a = await account(s);
    const cases: Array<[untried: boolean, third: boolean]> = [
      [false, true],
      [true, true],
      [false, false],
    ];
    for (const [untried, third] of cases) {
      const d = (await device(s, a.id, `d${untried}${third}`)).id;
      await s.queue.enqueue(d, push(1, 'high', { a: 1 }), 0, 100);
      const [first] = await s.queue.claim(10, 100, 5000);
      await s.queue.enqueue(d, push(2, 'low', { b: 2 }), 0, 200);
      const [second] = await s.queue.claim(10, 200, 5000);
      if (!first || !second) throw new Error('no job');
      // The first job goes back (parked, or untried), and a third push may merge into it while
      // the second job is still out.
      await s.queue.retry(first, 60_000, untried);
      if (third) await s.queue.enqueue(d, push(3, 'low'), 0, 300);
      await s.queue.retry(second, 400, true);
      const jobs = await s.queue.claim(10, 100_000, 200_000);
      expect(jobs).toMatchObject([{ deviceId: d, priority: 'high' }]);
      expect(payloadOf(jobs[0])).toEqual({ n: third ? 3 : 2, a: 1, b: 2 });
      await s.queue.complete(jobs[0] as Job);
    }
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

  it('retry untried gives a job back without counting the attempt; pushes merge into it', async () => {
    const s = k.store();
    const { d, job } = await oneJobOut(s);
    await s.queue.retry(job, 3000, true);
    expect(await s.queue.enqueue(d, push('new', 'low'), 0, 200)).toBe('coalesced');
    expect(await s.queue.claim(10, 2999, 9000)).toEqual([]);
    const [again] = await s.queue.claim(10, 3000, 9000);
    expect(again).toMatchObject({ id: job.id, attempts: 1, priority: 'high' });
    expect(payloadOf(again)).toEqual({ n: 'new', a: 1 });
    // A job that was tried before stays parked: a new push takes it along, due at once.
    if (!again) throw new Error('no job');
    await s.queue.retry(again, 60_000);
    const [third] = await s.queue.claim(10, 60_000, 90_000);
    if (!third) throw new Error('no job');
    await s.queue.retry(third, 100_000, true);
    expect(await s.queue.enqueue(d, push('newer'), 0, 70_000)).toBe('queued');
    expect(await s.queue.claim(10, 70_000, 90_000)).toMatchObject([{ attempts: 1 }]);
  });

  it('enqueueLeased leases a job due at once in the same call, as a claim would', async () => {
    const s = k.store();
    const a = await account(s);
    const d = (await device(s, a.id, 'phone')).id;
    const job = await s.queue.enqueueLeased(d, push('a', 'high'), 1000, 100, 5000);
    if (typeof job !== 'object') throw new Error(`not leased: ${job}`);
    expect(job).toEqual({
      id: expect.stringMatching(/^\d+$/),
      deviceId: d,
      payload: expect.any(String),
      priority: 'high',
      attempts: 1,
      createdAt: 100,
      lease: expect.any(String),
    });
    expect(payloadOf(job)).toEqual({ n: 'a' });
    expect(await s.queue.claim(10, 4999, 9000)).toEqual([]);
    // Spaced out: queued for its due time, not leased; a push then merges into it.
    expect(await s.queue.enqueueLeased(d, push('b'), 1000, 200, 5000)).toBe('queued');
    expect(await s.queue.enqueueLeased(d, push('c'), 1000, 300, 5000)).toBe('coalesced');
    await s.queue.complete(job);
    expect(await s.queue.claim(10, 1099, 9000)).toEqual([]);
    const [next] = await s.queue.claim(10, 1100, 9000);
    expect(payloadOf(next)).toEqual({ n: 'c' });
    // The lease ends like a claimed one's: the job goes out again.
    const other = (await device(s, a.id, 'tablet')).id;
    const lost = await s.queue.enqueueLeased(other, push('x'), 0, 2000, 3000);
    if (typeof lost !== 'object') throw new Error(`not leased: ${lost}`);
    expect(await s.queue.claim(10, 3000, 9000)).toEqual([
      { ...lost, attempts: 2, lease: expect.any(String) },
    ]);
  });

  it('enqueueLeased revives a parked job leased, its content taken along', async () => {
    const s = k.store();
    const { d, job } = await oneJobOut(s);
    await s.queue.retry(job, 60_000);
    const next = await s.queue.enqueueLeased(d, push('new', 'low'), 0, 2000, 7000);
    if (typeof next !== 'object') throw new Error(`not leased: ${next}`);
    expect(next).toMatchObject({ id: job.id, priority: 'high', attempts: 1 });
    expect(next.lease).not.toBe(job.lease);
    expect(payloadOf(next)).toEqual({ n: 'new', a: 1 });
    expect(await s.queue.claim(10, 6999, 9000)).toEqual([]);
    await s.queue.complete(next);
    expect(await s.queue.stats(8000)).toEqual({ depth: 0, oldestAgeMs: 0 });
  });

  it('a push for a device that is gone is dropped', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.devices.remove(d);
    await s.queue.enqueue(d, push('p'), 0, 100);
    await s.queue.enqueue('999999', push('p'), 0, 100);
    expect(await s.queue.stats(200)).toEqual({ depth: 0, oldestAgeMs: 0 });
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
