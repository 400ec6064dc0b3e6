import { expect, it } from '@jest/globals';
import { backoffMs, reconnectDelayMs } from './backoff.js';

it('computes jittered exponential backoff within bounds', () => {
  const seen = new Set<number>();
  for (let attempt = 1; attempt < 40; attempt++) {
    const d = backoffMs(attempt, 100, 5000);
    seen.add(d);
    expect(d).toBeGreaterThanOrEqual(100);
    expect(d).toBeLessThanOrEqual(5000);
  }
  // Jittered: not one fixed delay per attempt.
  expect(seen.size).toBeGreaterThan(5);
  expect(backoffMs(1, 100, 5000)).toBe(100);
});

it('retries a lost connection soon, then doubles the delay up to the bound', () => {
  for (let i = 0; i < 50; i++) {
    const first = reconnectDelayMs(1, 250, 2000);
    expect(first).toBeGreaterThanOrEqual(187);
    expect(first).toBeLessThanOrEqual(250);
    const third = reconnectDelayMs(3, 250, 2000);
    expect(third).toBeGreaterThanOrEqual(750);
    expect(third).toBeLessThanOrEqual(1000);
    for (const attempt of [5, 10, 40]) {
      const d = reconnectDelayMs(attempt, 250, 2000);
      expect(d).toBeGreaterThanOrEqual(1500);
      expect(d).toBeLessThanOrEqual(2000);
    }
  }
});
