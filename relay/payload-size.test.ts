import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { type FakeApns, startFakeApns, testApnsKey } from '../harness/fakes/apns-server.js';
import { cutText } from '../lib/text.js';
import { createApnsProvider } from './apns.js';
import type { Notification } from './notification.js';
import { PAYLOAD_LIMITS, payloadSize } from './payload-size.js';

let fake: FakeApns;
beforeAll(async () => {
  fake = await startFakeApns();
});
afterAll(() => fake.close());

/** An encrypted push whose APNs payload takes exactly `bytes`. */
function sized(bytes: number): Notification {
  const n: Notification = {
    priority: 'high',
    account: 'romeo@example.org',
    encrypted: { payload: '', attributes: { iv: 'aXZpdml2aXZpdml2' } },
  };
  const rest = bytes - payloadSize('apns', n).bytes;
  return { ...n, encrypted: { payload: 'A'.repeat(rest), attributes: { iv: 'aXZpdml2aXZpdml2' } } };
}

it('counts an APNs payload as APNs does: the largest that fits is taken, one byte more is not', async () => {
  const apns = createApnsProvider({
    ...testApnsKey(),
    topic: 'im.example.app',
    environment: 'sandbox',
    endpoint: fake.url,
    ca: fake.ca,
    log: pino({ level: 'silent' }),
  });
  const token = 'a1'.repeat(32);
  const fits = sized(PAYLOAD_LIMITS.apns);
  expect(payloadSize('apns', fits)).toEqual({ bytes: 4096, limit: 4096 });
  expect(await apns.send({ deviceToken: token, notification: fits })).toEqual({ ok: true });
  const over = sized(PAYLOAD_LIMITS.apns + 1);
  expect(payloadSize('apns', over).bytes).toBe(4097);
  expect(await apns.send({ deviceToken: token, notification: over })).toMatchObject({
    ok: false,
    reason: 'PayloadTooLarge',
  });
  await apns.close();
});

it('cuts text by its bytes as written in JSON, never inside a character', () => {
  expect(cutText('short', 10)).toBe('short');
  expect(cutText('aé😀b', 3)).toBe('aé');
  expect(cutText('aé😀b', 7)).toBe('aé😀');
  // A control character is written as six bytes (\u0001), a quote as two.
  expect(cutText('\u0001\u0001', 6)).toBe('\u0001');
  expect(cutText('"x"', 3)).toBe('"x');
});
