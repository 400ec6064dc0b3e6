// Contract: the delivery queue's outcomes — complete, retry parking a job until it is due, a newer
// push taking a parked job's content along, and retries that do not count the attempt.
import { expect, it } from '@jest/globals';
import type { Job } from '../types.js';
import { account, device, type Kit, oneDevice, oneJobOut, payloadOf, push } from './kit.js';

export function retriesContract(k: Kit): void {
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
}
