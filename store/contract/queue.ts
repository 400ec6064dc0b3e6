// Contract: the delivery queue's enqueue — merging into a waiting push, priority, rate spacing,
// pushes for gone devices, and enqueueLeased.
import { expect, it } from '@jest/globals';
import { account, device, type Kit, oneDevice, oneJobOut, payloadOf, push } from './kit.js';

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

  it('a push for a device that is gone is dropped', async () => {
    const s = k.store();
    const d = await oneDevice(s);
    await s.devices.remove(d);
    await s.queue.enqueue(d, push('p'), 0, 100);
    await s.queue.enqueue('999999', push('p'), 0, 100);
    expect(await s.queue.stats(200)).toEqual({ depth: 0, oldestAgeMs: 0 });
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
}
