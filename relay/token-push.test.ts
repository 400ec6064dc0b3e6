// Pushing with a whitelist token: how pushes that arrive faster than they are delivered merge
// (xep-draft/push-relay.xml, "Pushing a Contact").
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { createLogger } from '../lib/log.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { createRelay, type Relay } from './relay.js';
import { testApps, within } from './test-kit.js';

let store: Store;
let relay: Relay;
let token: string;

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  relay = createRelay({
    store,
    apps: testApps(),
    tokenTtlMs: 86_400_000,
    ratePerMinute: 60,
    limits: { perTokenPerMinute: 100, perAccountPerMinute: 100, missesPerMinute: 100 },
    remotes: [],
    onEnqueued: () => undefined,
    log: createLogger('silent'),
  });
  const made = await relay.service.login('romeo', 'correct horse');
  if (typeof made === 'string') throw new Error(made);
  await relay.service.addDevice(made.account, 'apns', { registrationId: 'ab'.repeat(32) });
  ({ token } = within(await relay.service.createToken(made.account, 'juliet')));
});
afterEach(() => store.close());

/** The one push waiting for romeo's device, as the delivery worker would send it. */
async function waiting() {
  const jobs = await store.queue.claim(10, Date.now() + 1000, Date.now() + 2000);
  expect(jobs).toHaveLength(1);
  return jobs.map((j) => ({ ...JSON.parse(j.payload), priority: j.priority }))[0];
}

const push = (priority: 'high' | 'low', data?: string) =>
  relay.tokenPush.push(token, 'jid:juliet@localhost', {
    priority,
    ...(data === undefined ? {} : { data }),
  });

it('MUST have the higher of the two priorities when pushes merge', async () => {
  expect(await push('high', 'wake up')).toBe('queued');
  expect(await push('low')).toBe('coalesced');
  expect(await waiting()).toMatchObject({ priority: 'high' });
});

it("MUST carry the later push's data, or the earlier push's data when the later one has none", async () => {
  await push('low', 'first');
  await push('low', 'second');
  await push('low');
  expect(await waiting()).toEqual({ priority: 'low', data: 'second' });
});
