import { expect, it } from '@jest/globals';
import { backpressureGate } from './backpressure.js';

it('stops reading the socket at the bound and reads again once half are answered', async () => {
  const calls: string[] = [];
  const link = { socket: { pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
  const gate = backpressureGate(link, 4);
  const release: Array<() => void> = [];
  const running = Array.from({ length: 4 }, (_, i) =>
    gate.run(() => new Promise<number>((r) => release.push(() => r(i)))),
  );
  expect(calls).toEqual(['pause']);
  expect(gate).toMatchObject({ inFlight: 4, paused: true });
  release.shift()?.();
  await running[0];
  expect(calls).toEqual(['pause']); // 3 in flight: still above half
  release.shift()?.();
  await running[1];
  expect(calls).toEqual(['pause', 'resume']);
  expect(gate.paused).toBe(false);
  for (const r of release.splice(0)) r();
  expect(await Promise.all(running)).toEqual([0, 1, 2, 3]);
  expect(gate.inFlight).toBe(0);
});

it('counts a failed request as answered', async () => {
  const gate = backpressureGate({ socket: null }, 2);
  await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(gate.inFlight).toBe(0);
});
