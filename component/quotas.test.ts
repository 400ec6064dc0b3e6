// The quotas of relay/quotas.ts as users meet them: real stanzas through the command and relay
// protocol handlers over an in-memory store. Each shows the error and that nothing past the
// quota was stored or sent.
import { afterEach, expect, it } from '@jest/globals';
import type { Component, Element } from '@xmpp/component';
import { createApps } from '../relay/apps.js';
import { DEFAULT_QUOTAS, type QuotaLimits } from '../relay/quotas.js';
import { testApp } from '../relay/test-kit.js';
import { adhocRoute } from './adhoc.js';
import { diagnosticCommands } from './diagnostic-commands.js';
import { NS_DISCO_INFO, NS_RELAY } from './ns.js';
import { registerCommands } from './register-commands.js';
import { createRegistrar } from './registrar.js';
import { relayProtocolRoutes } from './relay-protocol.js';
import { call, log, memoryKit, parse, registrarOf } from './test-kit.js';
import { tigaseCommands } from './tigase-commands.js';
import { createTokenCollector } from './token-collector.js';
import { tokenCommand } from './token-command.js';

const ROMEO = 'romeo@localhost/phone';
const JULIET = 'juliet@localhost/phone';
const fcmToken = (i: number) => `fcm-token-${i}-0123456789:abc`;
const apnsToken = (i: number) => i.toString(16).padStart(2, '0').repeat(32);

let kit: ReturnType<typeof memoryKit>;
afterEach(() => kit?.store.close());

/** The kit with `quotas` over the defaults, and every command a user can run. */
function setup(quotas: Partial<QuotaLimits>) {
  kit = memoryKit({
    quotas: { ...DEFAULT_QUOTAS, ...quotas },
    remotes: [{ name: 'other', url: 'https://other.example/' }],
    apps: createApps([
      testApp('apns', 'apns'),
      testApp('fcm', 'fcm', { tigaseProviders: ['tigase:fcm'] }),
      testApp('siskin', 'apns', { isDefault: false, voip: true, tigaseProviders: ['tigase:apns'] }),
    ]),
  });
  const registrar = createRegistrar({ ...kit, log });
  const commands = adhocRoute(
    [
      ...registerCommands({ registrar, apps: kit.service.apps, relays: kit.names, jid: 'p.l' }),
      ...tigaseCommands({ registrar, apps: kit.service.apps }),
      tokenCommand(kit.service),
      ...diagnosticCommands({
        store: kit.store,
        targets: kit.targets,
        registrar,
        quotas: kit.quotas,
        admins: [],
        status: async () => [],
      }),
    ],
    kit.store.sessions,
  ).route;
  const run = async (from: string, node: string, fields: Record<string, string> = {}) => {
    const form = Object.entries(fields)
      .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
      .join('');
    const r = await call(
      commands,
      from,
      `<command xmlns='http://jabber.org/protocol/commands' node='${node}'><x xmlns='jabber:x:data' type='submit'>${form}</x></command>`,
    );
    return r.result ? r.result.attrs.status : r;
  };
  return { run, registrar: registrarOf(kit) };
}

const account = async (jid: string) => {
  const a = await kit.service.xmppAccount(jid);
  if (!a) throw new Error(`no account for ${jid}`);
  return a.id;
};

it('registrations per user count every way in; the same device again does not count', async () => {
  const { run } = setup({ registrationsPerUser: 2 });
  const fcm = { token: fcmToken(1), 'device-id': 'd1' };
  expect(await run(ROMEO, 'register-push-fcm', fcm)).toBe('completed');
  const relay = { relay: 'other', token: 'ab'.repeat(20), 'device-id': 'd2' };
  expect(await run(ROMEO, 'register-push-relay', relay)).toBe('completed');
  const refused = {
    error: 'policy-violation',
    type: 'modify',
    text: 'too many push registrations for this user (at most 2); unregister one first',
  };
  expect(
    await run(ROMEO, 'register-push-apns', { token: apnsToken(3), 'device-id': 'd3' }),
  ).toEqual(refused);
  const tigase = { provider: 'tigase:fcm', 'device-token': fcmToken(4) };
  expect(await run(ROMEO, 'register-device', tigase)).toEqual(refused);
  // Nothing of the refused ones was stored, not even their devices.
  expect(
    (await kit.store.registrations.listByJid('romeo@localhost')).map((r) => r.deviceId),
  ).toEqual(['d1', 'd2']);
  expect(await kit.store.devices.countByOwner(await account('romeo@localhost'))).toBe(1);
  // The same device again (a new token) replaces its registration; another user is not held back.
  expect(await run(ROMEO, 'register-push-fcm', { ...fcm, token: fcmToken(5) })).toBe('completed');
  expect(await kit.store.registrations.countByJid('romeo@localhost')).toBe(2);
  expect(await run(JULIET, 'register-push-fcm', fcm)).toBe('completed');
});

it('devices per account: a new device past it is refused with nothing stored', async () => {
  const { run } = setup({ devicesPerAccount: 2 });
  for (const i of [1, 2]) {
    expect(
      await run(ROMEO, 'register-push-fcm', { token: fcmToken(i), 'device-id': `d${i}` }),
    ).toBe('completed');
  }
  expect(await run(ROMEO, 'register-push-fcm', { token: fcmToken(3), 'device-id': 'd3' })).toEqual({
    error: 'policy-violation',
    type: 'modify',
    text: 'too many devices for this user (at most 2); unregister one first',
  });
  const owner = await account('romeo@localhost');
  expect(await kit.store.devices.countByOwner(owner)).toBe(2);
  expect(await kit.store.registrations.countByJid('romeo@localhost')).toBe(2);
  expect(await run(ROMEO, 'register-push-fcm', { token: fcmToken(4), 'device-id': 'd1' })).toBe(
    'completed',
  );
  expect((await kit.store.devices.listByOwner(owner)).map((d) => d.deviceToken)).toEqual([
    fcmToken(4),
    fcmToken(2),
  ]);
});

it('devices per account count a PushKit token as a device of its own', async () => {
  const { run } = setup({ devicesPerAccount: 2 });
  const siskin = {
    provider: 'tigase:apns',
    'device-token': apnsToken(1),
    'device-second-token': apnsToken(2),
  };
  expect(await run(ROMEO, 'register-device', siskin)).toBe('completed');
  expect(await run(ROMEO, 'register-push-fcm', { token: fcmToken(3), 'device-id': 'd3' })).toEqual({
    error: 'policy-violation',
    type: 'modify',
    text: 'too many devices for this user (at most 2); unregister one first',
  });
  expect(await run(ROMEO, 'register-device', siskin)).toBe('completed');
  expect(await kit.store.devices.countByOwner(await account('romeo@localhost'))).toBe(2);
  expect(await kit.store.registrations.countByJid('romeo@localhost')).toBe(1);
});

it('tokens per account and tokens issued per day, over <issue/> and create-token alike', async () => {
  const { run, registrar } = setup({ tokensPerAccount: 2, issuedTokensPerUserPerDay: 3 });
  await registrar.register({
    jid: 'romeo@localhost',
    provider: 'fcm',
    deviceId: 'd',
    deviceToken: fcmToken(1),
  });
  const routes = relayProtocolRoutes({
    jid: 'p.l',
    service: kit.service,
    tokenPush: kit.tokenPush,
  });
  const issueRoute = routes.find((r) => r.name === 'issue');
  if (!issueRoute) throw new Error('no issue route');
  const issue = () => call(issueRoute, ROMEO, `<issue xmlns='${NS_RELAY}'/>`);
  const tokens = () => kit.service.listXmppTokens('romeo@localhost');

  expect((await issue()).result?.name).toBe('tokens');
  expect(await run(ROMEO, 'create-token')).toBe('completed');
  const tooMany = {
    error: 'policy-violation',
    type: 'modify',
    text: 'too many whitelist tokens for this user (at most 2); revoke one first',
  };
  expect(await issue()).toEqual(tooMany);
  expect(await run(ROMEO, 'create-token')).toEqual(tooMany);
  expect(await tokens()).toHaveLength(2);

  const [first, second] = await tokens();
  await kit.service.revokeXmppToken('romeo@localhost', first?.id ?? '');
  expect((await issue()).result?.name).toBe('tokens');
  await kit.service.revokeXmppToken('romeo@localhost', second?.id ?? '');
  // Three issued today: the fourth waits, though the user holds one token only.
  const today = await issue();
  expect(today).toEqual({
    error: 'resource-constraint',
    type: 'wait',
    text: expect.stringMatching(/^too many tokens issued today \(at most 3 a day\); wait \d+ min$/),
  });
  expect(Number(/wait (\d+) min/.exec(today.text ?? '')?.[1])).toBeGreaterThan(1400);
  expect(await run(ROMEO, 'create-token')).toEqual(today);
  expect(await tokens()).toHaveLength(1);
});

it('test pushes per user per hour: past it nothing is sent', async () => {
  const { run, registrar } = setup({ testPushesPerUserPerHour: 2 });
  await registrar.register({
    jid: 'romeo@localhost',
    provider: 'fcm',
    deviceId: 'd',
    deviceToken: fcmToken(1),
  });
  const sent = () => kit.store.queue.claim(10, Date.now() + 1000, Date.now() + 60_000);
  for (let i = 0; i < 2; i++) {
    expect(await run(ROMEO, 'test-push')).toBe('completed');
    expect(await sent()).toHaveLength(1);
  }
  expect(await run(ROMEO, 'test-push')).toEqual({
    error: 'resource-constraint',
    type: 'wait',
    text: expect.stringMatching(/^too many test pushes \(at most 2 an hour\); wait \d+ min$/),
  });
  expect(await sent()).toHaveLength(0);
});

it('collected tokens per user: past it the client’s other tokens are left out', async () => {
  setup({ collectedTokensPerUser: 1 });
  const answer = (iq: Element) => {
    const body = iq.getChild('query', NS_DISCO_INFO)
      ? `<query xmlns='${NS_DISCO_INFO}'><feature var='${NS_RELAY}'/></query>`
      : `<tokens xmlns='${NS_RELAY}'><token relay='other.example'>${'cd'.repeat(20)}</token><token relay='third.example'>${'ef'.repeat(20)}</token></tokens>`;
    return parse(`<iq type='result' from='${iq.attrs.to}' to='p.l'>${body}</iq>`);
  };
  const collector = createTokenCollector({
    xmpp: { iqCaller: { request: async (iq: Element) => answer(iq) } } as unknown as Component,
    store: kit.store,
    service: kit.service,
    quotas: kit.quotas,
    relaysByJid: new Map([
      ['other.example', 'other'],
      ['third.example', 'third'],
    ]),
    log,
  });
  await collector.collect(ROMEO);
  expect(await kit.store.collected.listByJid('romeo@localhost')).toEqual([
    {
      jid: 'romeo@localhost',
      target: { kind: 'remote', relay: 'other', token: 'cd'.repeat(20) },
      createdAt: expect.any(Number),
    },
  ]);
});
