// The cleanup helper every fault run uses (harness/stop.ts): a part that hangs or fails must not
// keep the parts after it running, and the error must name it.
import { expect, it } from '@jest/globals';
import { stopAndClear, stopInOrder } from '../harness/stop.js';

it('stops every part in order, and names the one that hung and the one that failed', async () => {
  const order: string[] = [];
  const part = (name: string, how: 'ok' | 'hang' | 'fail') => ({
    stop: () => {
      order.push(name);
      if (how === 'hang') return new Promise<void>(() => undefined);
      if (how === 'fail') return Promise.reject(new Error('port still bound'));
      return Promise.resolve();
    },
  });
  const closed: string[] = [];
  const server = { close: async () => void closed.push('server') };
  const cleanup = stopInOrder(
    {
      first: part('first', 'ok'),
      world: part('world', 'hang'),
      never: undefined,
      redis: part('redis', 'fail'),
      server,
    },
    50,
  );
  await expect(cleanup).rejects.toThrow(
    /^cleanup: world did not stop within 50 ms; redis failed to stop after \d+ ms: port still bound$/,
  );
  expect(order).toEqual(['first', 'world', 'redis']);
  expect(closed).toEqual(['server']);
});

it('resolves when every part stopped', async () => {
  const stopped: string[] = [];
  await stopInOrder({
    a: { stop: async () => void stopped.push('a') },
    b: { close: async () => void stopped.push('b') },
  });
  expect(stopped).toEqual(['a', 'b']);
});

it('stopAndClear empties what a test file started before stopping it', async () => {
  const stopped: string[] = [];
  const started: { world?: { stop(): Promise<void> } } = {
    world: { stop: async () => void stopped.push('world') },
  };
  await stopAndClear(started);
  expect(started).toEqual({});
  expect(stopped).toEqual(['world']);
  await stopAndClear(started);
  expect(stopped).toEqual(['world']);
});
