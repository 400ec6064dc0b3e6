import { expect, it, jest } from '@jest/globals';
import { ANSWER_WITHIN_MS, exceedsBytes, type IqRoute, type Reply } from './iq-router.js';
import { call, parse } from './test-kit.js';

it('measures a stanza as its written size, without writing it', () => {
  const stanza = parse(
    `<iq type='set' from='localhost' to='push.localhost' id='x'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification xmlns='urn:xmpp:push:0'>${'é'.repeat(100)}</notification></item></publish></pubsub></iq>`,
  );
  const written = Buffer.byteLength(stanza.toString());
  expect(exceedsBytes(stanza, written)).toBe(false);
  expect(exceedsBytes(stanza, written - 1)).toBe(true);
  expect(exceedsBytes(stanza, 100)).toBe(true);
});

it('answers a request whose handler never settles with a wait error, in bounded time', async () => {
  jest.useFakeTimers();
  try {
    const route: IqRoute = {
      type: 'set',
      ns: 'urn:example:stuck',
      name: 'stuck',
      features: [],
      handler: () => new Promise<Reply>(() => undefined),
    };
    let answer: unknown;
    const answered = call(route, 'localhost', "<stuck xmlns='urn:example:stuck'/>").then((a) => {
      answer = a;
    });
    await jest.advanceTimersByTimeAsync(ANSWER_WITHIN_MS - 1);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await answered;
    expect(answer).toEqual({ error: 'internal-server-error', type: 'wait', text: undefined });
  } finally {
    jest.useRealTimers();
  }
});
