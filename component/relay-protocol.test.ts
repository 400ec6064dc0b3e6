import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../store/types.js';
import type { IqRoute } from './iq-router.js';
import { relayProtocolRoutes } from './relay-protocol.js';
import { call, queued as jobs, memoryKit, registrarOf } from './test-kit.js';

const NS = 'urn:xmpp:push-relay:0';
const ROMEO = 'romeo@localhost/phone';
const TOKEN = /^[0-9a-f]{40}$/;

describe('relay protocol IQs', () => {
  let kit: ReturnType<typeof memoryKit>;
  let store: Store;
  let routes: Record<string, IqRoute>;

  beforeEach(() => {
    kit = memoryKit({
      limits: { perTokenPerMinute: 3, perAccountPerMinute: 100, missesPerMinute: 2 },
    });
    store = kit.store;
    const list = relayProtocolRoutes({
      jid: 'push.localhost',
      api: 'https://push.localhost/',
      ...kit,
    });
    routes = Object.fromEntries(list.map((r) => [r.name, r]));
  });
  afterEach(() => store.close());

  const iq = (name: string, from: string, xml: string) => call(routes[name] as IqRoute, from, xml);
  const queued = async () => (await store.queue.stats(Date.now())).depth;

  async function issued(): Promise<string> {
    await registrarOf(kit).register({
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
    expect(await jobs(store)).toEqual([{ priority: 'low', data: 'hi' }]);
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

  it('lists the user’s own tokens by id and name, never the tokens themselves', async () => {
    const token = await issued();
    const { result } = await iq('list', ROMEO, `<list xmlns='${NS}'/>`);
    const entries = result?.getChildren('issued') ?? [];
    expect(entries.map((e) => e.attrs)).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        name: 'juliet',
        created: expect.any(String),
        expires: expect.any(String),
      },
    ]);
    expect(result?.toString()).not.toContain(token);
    expect(
      (await iq('list', 'juliet@localhost/x', `<list xmlns='${NS}'/>`)).result?.children,
    ).toEqual([]);
  });

  it('revokes a token by the id the list shows, only the owner’s', async () => {
    const token = await issued();
    const { result } = await iq('list', ROMEO, `<list xmlns='${NS}'/>`);
    const id = result?.getChild('issued')?.attrs.id ?? '';
    const byId = `<revoke xmlns='${NS}' id='${id}'/>`;
    expect(await iq('revoke', 'juliet@localhost/x', byId)).toMatchObject({
      error: 'item-not-found',
    });
    expect(
      await iq('revoke', ROMEO, `<revoke xmlns='${NS}' id='${id}' token='${token}'/>`),
    ).toMatchObject({ error: 'bad-request' });
    expect(await iq('revoke', ROMEO, `<revoke xmlns='${NS}' id='x1'/>`)).toMatchObject({
      error: 'bad-request',
    });
    expect(await iq('revoke', ROMEO, byId)).toEqual({ result: undefined });
    expect(
      await iq('push', 'juliet@localhost/x', `<push xmlns='${NS}' token='${token}'/>`),
    ).toMatchObject({ error: 'item-not-found' });
  });
});
