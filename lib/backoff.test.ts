import { expect, it } from '@jest/globals';
import { backoffMs } from './backoff.js';

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
