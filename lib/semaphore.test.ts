import { expect, it } from '@jest/globals';
import { createSemaphore } from './semaphore.js';

it('lets at most `limit` hold it, the others in arrival order', async () => {
  const s = createSemaphore(2);
  let holding = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      await s.acquire();
      holding += 1;
      most = Math.max(most, holding);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      holding -= 1;
      s.release();
    }),
  );
  expect(most).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
});
