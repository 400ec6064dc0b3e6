import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Relay } from '../relay/relay.js';
import type { Store } from '../store/types.js';
import type { IqRoute } from './iq-router.js';
import { createRegistrar } from './registrar.js';
import { relayProtocolRoutes } from './relay-protocol.js';
import { call, log, memoryKit } from './test-kit.js';

const NS = 'urn:xmpp:push-relay:0';
const ROMEO = 'romeo@localhost/phone';
const TOKEN = /^[0-9a-f]{40}$/;

describe('relay protocol IQs', () => {
  let store: Store;
  let relay: Relay;
  let routes: Record<string, IqRoute>;

  beforeEach(() => {
    ({ store, relay } = memoryKit());
    const list = relayProtocolRoutes({
      jid: 'push.localhost',
      local: relay,
      api: 'https://push.localhost/',
      perToken: store.limiter({ name: 'token', points: 3, durationS: 60 }),
      perSender: store.limiter({ name: 'misses', points: 2, durationS: 60 }),
    });
    routes = Object.fromEntries(list.map((r) => [r.name, r]));
  });
  afterEach(() => store.close());

  const iq = (name: string, from: string, xml: string) => call(routes[name] as IqRoute, from, xml);
  const queued = async () => (await store.queue.stats(Date.now())).depth;

  async function issued(): Promise<string> {
    const registrar = createRegistrar({ store, relays: new Map([['local', relay]]), log });
    await registrar.register({
      jid: 'romeo@localhost',
      provider: 'apns',
      deviceToken: 'ab'.repeat(32),
      deviceId: 'p',
    });
    const { result } = await iq('issue', ROMEO, `<issue xmlns='${NS}' name='juliet'/>`);
    const token = result?.getChild('token');
    expect(token?.attrs).toMatchObject({ relay: 'push.localhost', api: 'https://push.localhost/' });
    expect(Date.parse(token?.attrs.expires ?? '')).toBeGreaterThan(Date.now());
    return token?.getText() ?? '';
  }

  it('issues a token only to a user with a device', async () => {
    expect(await iq('issue', ROMEO, `<issue xmlns='${NS}'/>`)).toMatchObject({
      error: 'item-not-found',
      type: 'cancel',
    });
    expect(await iq('issue', 'localhost', `<issue xmlns='${NS}'/>`)).toMatchObject({
      error: 'forbidden',
    });
    expect(await issued()).toMatch(TOKEN);
  });

  it('pushes with a token, with optional data and priority', async () => {
    const token = await issued();
    expect(
      await iq(
        'push',
        'juliet@localhost/x',
        `<push xmlns='${NS}' token='${token}' priority='low'><data>hi</data></push>`,
      ),
    ).toEqual({ result: undefined });
    const [job] = await store.queue.claim(5, Date.now() + 1000, Date.now() + 2000);
    expect(JSON.parse(job?.payload ?? '{}')).toEqual({ priority: 'low', data: 'hi' });
  });

  it.each([
    ['a missing token', `<push xmlns='${NS}'/>`],
    ['a malformed token', `<push xmlns='${NS}' token='xyz'/>`],
    ['a wrong priority', `<push xmlns='${NS}' token='${'ab'.repeat(20)}' priority='urgent'/>`],
    [
      'data over 100 characters',
      `<push xmlns='${NS}' token='${'ab'.repeat(20)}'><data>${'x'.repeat(101)}</data></push>`,
    ],
  ])('refuses a push with %s with bad-request and queues nothing', async (_what, xml) => {
    expect(await iq('push', 'juliet@localhost/x', xml)).toMatchObject({
      error: 'bad-request',
      type: 'modify',
    });
    expect(await queued()).toBe(0);
  });

  it('answers unknown tokens with item-not-found, and rate-limits a guessing sender', async () => {
    const unknown = (i: number) => `<push xmlns='${NS}' token='${String(i).padStart(40, 'f')}'/>`;
    expect(await iq('push', 'mallory@localhost/x', unknown(1))).toMatchObject({
      error: 'item-not-found',
      type: 'cancel',
    });
    expect(await iq('push', 'mallory@localhost/x', unknown(2))).toMatchObject({
      error: 'item-not-found',
    });
    expect(await iq('push', 'mallory@localhost/x', unknown(3))).toMatchObject({
      error: 'resource-constraint',
      type: 'wait',
    });
  });

  it('rate-limits pushes per token with a wait error', async () => {
    const token = await issued();
    const push = `<push xmlns='${NS}' token='${token}'/>`;
    for (let i = 0; i < 3; i++)
      expect(await iq('push', 'juliet@localhost/x', push)).toEqual({ result: undefined });
    expect(await iq('push', 'juliet@localhost/x', push)).toMatchObject({
      error: 'resource-constraint',
      type: 'wait',
    });
  });

  it('revokes a token of the requesting user at once', async () => {
    const token = await issued();
    expect(
      await iq('revoke', 'juliet@localhost/x', `<revoke xmlns='${NS}' token='${token}'/>`),
    ).toMatchObject({ error: 'item-not-found' });
    expect(await iq('revoke', ROMEO, `<revoke xmlns='${NS}' token='nope'/>`)).toMatchObject({
      error: 'bad-request',
    });
    expect(await iq('revoke', ROMEO, `<revoke xmlns='${NS}' token='${token}'/>`)).toEqual({
      result: undefined,
    });
    expect(
      await iq('push', 'juliet@localhost/x', `<push xmlns='${NS}' token='${token}'/>`),
    ).toMatchObject({ error: 'item-not-found' });
  });
});
