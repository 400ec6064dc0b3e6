import { expect, it } from '@jest/globals';
import { loopbackPair } from '../harness/servers/ports.js';
import { afterIo } from './deadline.js';

it('sees an answer that arrived before the deadline but was not read, where setTimeout does not', async () => {
  const { client, peer, close } = await loopbackPair();
  let answered = false;
  client.on('data', () => {
    answered = true;
  });
  try {
    const seen = await new Promise<[plain: boolean, fair: boolean]>((resolve) => {
      let plain: boolean | undefined;
      setTimeout(() => {
        plain = answered;
      }, 20);
      afterIo(20, () => resolve([plain ?? answered, answered]));
      peer.write('answer'); // in the client's socket buffer at once (loopback)
      const until = Date.now() + 100;
      while (Date.now() < until) {
        // one turn of the event loop that outlasts the deadline
      }
    });
    expect(seen).toEqual([false, true]);
  } finally {
    close();
  }
});

it('does not call back once cleared', async () => {
  let called = false;
  clearTimeout(
    afterIo(5, () => {
      called = true;
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(called).toBe(false);
});
