import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { within } from '../relay/test-kit.js';
import type { Store } from '../store/types.js';
import { type PublishOptions, publishRoute } from './publish.js';
import { call, log, memoryKit, publishOver, queued as queuedIn, registrarOf } from './test-kit.js';

const SERVER = 'localhost';

function publish(node: string | undefined, secret: string | undefined, summary = '', extra = '') {
  const nodeAttr = node === undefined ? '' : ` node='${node}'`;
  const options =
    secret === undefined
      ? ''
      : `<publish-options><x xmlns='jabber:x:data' type='submit'>
           <field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
           <field var='secret'><value>${secret}</value></field></x></publish-options>`;
  return `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish${nodeAttr}><item>
      <notification xmlns='urn:xmpp:push:0'>${summary}${extra}</notification></item></publish>${options}</pubsub>`;
}

const SUMMARY = `<x xmlns='jabber:x:data' type='submit'>
  <field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>
  <field var='message-count'><value>3</value></field>
  <field var='last-message-sender'><value>juliet@capulet.example/balcony</value></field>
  <field var='last-message-body'><value>Wherefore art thou?</value></field></x>`;

describe('XEP-0357 publish', () => {
  let kit: ReturnType<typeof memoryKit>;
  let store: Store;
  let node: string;
  let secret: string;

  beforeEach(async () => {
    kit = memoryKit();
    store = kit.store;
    ({ node, secret } = await registrarOf(kit).register({
      jid: 'romeo@localhost',
      provider: 'apns',
      deviceToken: 'ab'.repeat(32),
      deviceId: 'phone-1',
    }));
  });
  afterEach(() => store.close());

  const route = (include = false, over: Partial<PublishOptions> = {}) =>
    publishRoute({
      store,
      targets: kit.targets,
      service: kit.service,
      tokenPush: kit.tokenPush,
      perToken: kit.limits.perToken,
      push: { includeSender: include, includeBody: include, priority: 'high' },
      log,
      ...over,
    });

  const queued = () => queuedIn(store);

  it('queues a content-free push for a valid publish from the user server', async () => {
    expect(await call(route(), SERVER, publish(node, secret, SUMMARY))).toEqual({
      result: undefined,
    });
    expect(await queued()).toEqual([{ priority: 'high', messageCount: 3 }]);
  });

  it('forwards sender and body only when the operator opted in', async () => {
    await call(route(true), SERVER, publish(node, secret, SUMMARY));
    expect(await queued()).toEqual([
      {
        priority: 'high',
        messageCount: 3,
        lastSender: 'juliet@capulet.example/balcony',
        lastBody: 'Wherefore art thou?',
      },
    ]);
  });

  it('passes an encrypted payload through unread', async () => {
    const enc = `<encrypted xmlns='tigase:push:encrypt:0' iv='abc'>Zm9vYmFy</encrypted>`;
    await call(route(), SERVER, publish(node, secret, '', enc));
    expect(await queued()).toEqual([
      {
        priority: 'high',
        account: 'romeo@localhost',
        encrypted: { payload: 'Zm9vYmFy', attributes: { iv: 'abc' } },
      },
    ]);
  });

  it('dates the push when the publish was read, before its registration was looked up', async () => {
    // Two processes behind one server can enqueue a user's publishes out of order; the store keeps
    // the content of the push made last, so a publish must be dated before any wait.
    let clock = 1_000;
    const get = store.registrations.get.bind(store.registrations);
    store.registrations.get = async (n) => {
      clock += 500;
      return get(n);
    };
    const made: Array<number | undefined> = [];
    const r = route(false, {
      targets: {
        ...kit.targets,
        push: (target, n, user, at) => {
          made.push(at);
          return kit.targets.push(target, n, user, at);
        },
      },
      service: { ...kit.service, now: () => clock },
    });
    expect(await call(r, SERVER, publish(node, secret, SUMMARY))).toEqual({ result: undefined });
    expect(made).toEqual([1_000]);
    expect(await queued()).toHaveLength(1);
  });

  it('coalesces a burst into one waiting push', async () => {
    for (let i = 0; i < 5; i++) await call(route(), SERVER, publish(node, secret, SUMMARY));
    expect(await queued()).toHaveLength(1);
  });

  it.each([
    ['no node', () => publish(undefined, secret), 'bad-request', 'modify'],
    [
      'no notification',
      () => publish(node, secret).replace(/<notification[\s\S]*<\/notification>/, ''),
      'bad-request',
      'modify',
    ],
    ['no secret (no publish-options)', () => publish(node, undefined), 'not-authorized', 'auth'],
    ['a wrong secret', () => publish(node, `${secret}x`), 'not-authorized', 'auth'],
    ['an unknown node', () => publish('nope', secret), 'item-not-found', 'cancel'],
    [
      'a foreign publish-options form',
      () => publish(node, secret).replace('pubsub#publish-options', 'pubsub#node_config'),
      'bad-request',
      'modify',
    ],
  ])(
    'answers a publish with %s by an error, and queues nothing',
    async (_what, xml, error, type) => {
      expect(await call(route(), SERVER, xml())).toMatchObject({ error, type });
      expect(await queued()).toEqual([]);
    },
  );

  it.each([
    ['a user JID', 'romeo@localhost'],
    ['a full JID of the server', 'localhost/res'],
    ['a foreign domain', 'evil.example'],
  ])('refuses a publish from %s with forbidden', async (_what, from) => {
    expect(await call(route(), from, publish(node, secret))).toMatchObject({
      error: 'forbidden',
      type: 'auth',
    });
    expect(await queued()).toEqual([]);
  });

  it('answers item-not-found once the device is dead, so the server disables push', async () => {
    const target = (await store.registrations.get(node))?.target;
    if (target?.kind !== 'device') throw new Error('a device registration was expected');
    await store.devices.recordError(target.device, 'Unregistered', Date.now(), true);
    expect(await call(route(), SERVER, publish(node, secret))).toMatchObject({
      error: 'item-not-found',
      type: 'cancel',
    });
    expect(await queued()).toEqual([]);
  });

  it('answers store trouble with a wait error, never one that disables push', async () => {
    const r = route();
    await store.close();
    expect(await call(r, SERVER, publish(node, secret))).toEqual({
      error: 'internal-server-error',
      type: 'wait',
      text: undefined,
    });
    kit = memoryKit();
    store = kit.store;
  });
});

describe('XEP-0357 publish for a room registration', () => {
  it('accepts publishes only from the room service domain', async () => {
    const kit = memoryKit();
    const { node, secret } = await registrarOf(kit).register({
      jid: 'romeo@localhost',
      provider: 'fcm',
      deviceToken: 'fcm-token-0123456789',
      deviceId: 'android-1',
      muc: 'verona@conference.localhost',
    });
    const route = publishOver(kit);
    expect(await call(route, 'localhost', publish(node, secret))).toMatchObject({
      error: 'forbidden',
    });
    expect(await call(route, 'conference.localhost', publish(node, secret))).toEqual({
      result: undefined,
    });
    await kit.store.close();
  });
});

describe('XEP-0357 publish falling back to tokens collected from the client', () => {
  it('pushes through a collected token when the registration device is gone, dropping dead ones', async () => {
    const kit = memoryKit();
    const { store } = kit;
    const registrar = registrarOf(kit);
    const own = { jid: 'romeo@localhost', provider: 'apns' as const, deviceId: 'phone' };
    const { node, secret } = await registrar.register({ ...own, deviceToken: 'ab'.repeat(32) });
    await registrar.register({ ...own, deviceId: 'tablet', deviceToken: 'cd'.repeat(32) });
    const issued = within(await kit.service.issueXmppToken('romeo@localhost', 'collected'));
    const now = Date.now();
    await store.collected.put({
      jid: own.jid,
      target: { kind: 'remote', relay: 'gone', token: 'ee'.repeat(20) },
      createdAt: now,
    });
    await store.collected.put({
      jid: own.jid,
      target: { kind: 'token', token: issued?.record.id ?? '' },
      createdAt: now + 1,
    });
    // the phone's device dies
    const target = (await store.registrations.get(node))?.target;
    if (target?.kind !== 'device') throw new Error('a device registration was expected');
    await store.devices.recordError(target.device, 'Unregistered', Date.now(), true);

    const route = publishOver(kit);
    expect(await call(route, 'localhost', publish(node, secret))).toEqual({ result: undefined });
    const jobs = await store.queue.claim(10, Date.now() + 1000, Date.now() + 2000);
    expect(jobs).toHaveLength(1); // the tablet, reached through the collected token
    expect(await store.collected.listByJid(own.jid)).toEqual([
      { jid: own.jid, target: { kind: 'token', token: issued?.record.id }, createdAt: now + 1 },
    ]);
    await store.close();
  });
});
