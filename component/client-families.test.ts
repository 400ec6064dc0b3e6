// Each client family's stanzas through the real handlers over an in-memory store: Tigase
// (register-device, secretless publishes, calls to PushKit tokens), ChatSecure (token and
// endpoint in publish-options) and Monal (stateless: the node is the device token).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createApps } from '../relay/apps.js';
import { testApp, within } from '../relay/test-kit.js';
import type { Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import { createRegistrar } from './registrar.js';
import { call, log, memoryKit, type parse, publishOver } from './test-kit.js';
import { tigaseCommands } from './tigase-commands.js';

const SERVER = 'localhost';
const USER = 'romeo@localhost/phone';
const PROVIDER = 'tigase:messenger:apns:1';
const TOKEN = 'ab'.repeat(32);
const VOIP = 'cd'.repeat(32);

const apps = () =>
  createApps([
    testApp('apns', 'apns'),
    testApp('fcm', 'fcm'),
    testApp('siskin', 'apns', {
      isDefault: false,
      voip: true,
      tigaseProviders: [PROVIDER],
      pushModule: 'siskinPush',
    }),
    testApp('plain', 'apns', { isDefault: false, tigaseProviders: ['plain:apns'] }),
    testApp('monal', 'apns', {
      isDefault: false,
      stateless: true,
      pushModule: 'monalProdiOS',
      environments: ['production', 'sandbox'],
    }),
  ]);

/** A publish as the user's server sends it: `options` are publish-options fields. */
function publish(node: string, inner = '', options: Record<string, string> = {}) {
  const fields = Object.entries(options)
    .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
    .join('');
  const form =
    fields === ''
      ? ''
      : `<publish-options><x xmlns='jabber:x:data' type='submit'>
          <field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
          ${fields}</x></publish-options>`;
  return `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${node}'><item>
    <notification xmlns='urn:xmpp:push:0'>${inner}</notification></item></publish>${form}</pubsub>`;
}

/** Martin's register-device and unregister-device: a submitted form, no FORM_TYPE. */
function command(node: string, fields: Record<string, string>) {
  const f = Object.entries(fields)
    .map(([k, v]) => `<field var='${k}' type='text-single'><value>${v}</value></field>`)
    .join('');
  return `<command xmlns='http://jabber.org/protocol/commands' node='${node}' action='execute'>
    <x xmlns='jabber:x:data' type='submit'>${f}</x></command>`;
}

/** The jobs waiting, with the device each one goes to. */
async function jobs(store: Store) {
  const claimed = await store.queue.claim(100, Date.now() + 1e9, Date.now() + 2e9);
  return Promise.all(
    claimed.map(async (j) => ({
      device: await store.devices.get(j.deviceId),
      push: { ...JSON.parse(j.payload), priority: j.priority },
    })),
  );
}

function setup(o: Parameters<typeof memoryKit>[0] = {}) {
  const kit = memoryKit({ apps: apps(), ...o });
  const registrar = createRegistrar({ ...kit, log });
  const commands = adhocRoute(
    tigaseCommands({ registrar, apps: kit.service.apps }),
    kit.store.sessions,
  ).route;
  return { kit, commands, publish: publishOver(kit) };
}

describe('Tigase family (Siskin IM, BeagleIM)', () => {
  let kit: ReturnType<typeof memoryKit>;
  afterEach(() => kit?.store.close());

  async function register(fields: Record<string, string>) {
    const s = setup();
    kit = s.kit;
    const answer = await call(s.commands, USER, command('register-device', fields));
    const form = (answer.result as ReturnType<typeof parse>).getChild('x');
    const values = Object.fromEntries(
      (form?.getChildren('field') ?? []).map((f) => [
        f.attrs.var,
        f.getChildren('value').map((v) => v.getText()),
      ]),
    );
    return { ...s, values, node: values.node?.[0] ?? '' };
  }

  it('registers with register-device and answers node, features and max-payload-size', async () => {
    const { values, node } = await register({ provider: PROVIDER, 'device-token': TOKEN });
    expect(node).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(values.features).toEqual(['tigase:push:encrypt:0']);
    expect(Number(values['max-payload-size']?.[0])).toBeGreaterThan(1000);
    const [reg] = await kit.store.registrations.listByJid('romeo@localhost');
    expect(reg).toMatchObject({ node, secretHash: '', provider: 'apns' });
  });

  it('takes a publish without a secret for its node, still only from the user server', async () => {
    const { publish: route, node } = await register({ provider: PROVIDER, 'device-token': TOKEN });
    expect(await call(route, SERVER, publish(node))).toEqual({ result: undefined });
    expect(await call(route, 'evil.example', publish(node))).toMatchObject({ error: 'forbidden' });
    const [job] = await jobs(kit.store);
    expect(job?.device).toMatchObject({ deviceToken: TOKEN, app: 'siskin' });
    expect(job?.device).not.toHaveProperty('voip');
  });

  it.each([
    [
      'a Tigase server <jingle/> element',
      `<jingle xmlns='tigase:push:jingle:0' action='propose' sid='c4ll'><media>audio</media><media>video</media></jingle>`,
      { call: { sid: 'c4ll', media: ['audio', 'video'] } },
    ],
    [
      "an encrypted payload of type 'voip'",
      `<encrypted xmlns='tigase:push:encrypt:0' iv='aXY=' type='voip'>c2VjcmV0</encrypted>`,
      {
        call: {},
        account: 'romeo@localhost',
        encrypted: { payload: 'c2VjcmV0', attributes: { iv: 'aXY=', type: 'voip' } },
      },
    ],
  ])('rings the PushKit token for a call announced by %s', async (_what, inner, expected) => {
    const { publish: route, node } = await register({
      provider: PROVIDER,
      'device-token': TOKEN,
      'device-second-token': VOIP,
    });
    expect(await call(route, SERVER, publish(node, inner))).toEqual({ result: undefined });
    // A message afterwards goes to the ordinary token, as before.
    expect(await call(route, SERVER, publish(node))).toEqual({ result: undefined });
    const sent = await jobs(kit.store);
    expect(sent.map((j) => [j.device?.deviceToken, j.device?.voip])).toEqual([
      [VOIP, true],
      [TOKEN, undefined],
    ]);
    expect(sent[0]?.push).toEqual({ priority: 'high', ...expected });
  });

  it('sends a call as an ordinary push when the app has no VoIP topic', async () => {
    const { publish: route, node } = await register({
      provider: 'plain:apns',
      'device-token': TOKEN,
      'device-second-token': VOIP,
    });
    const jingle = `<jingle xmlns='tigase:push:jingle:0' sid='x'/>`;
    await call(route, SERVER, publish(node, jingle));
    const [job] = await jobs(kit.store);
    expect(job?.device?.deviceToken).toBe(TOKEN);
  });

  it('unregister-device removes the registration with both tokens', async () => {
    const { commands, node } = await register({
      provider: PROVIDER,
      'device-token': TOKEN,
      'device-second-token': VOIP,
    });
    const fields = { provider: PROVIDER, 'device-token': TOKEN };
    expect(await call(commands, USER, command('unregister-device', fields))).toMatchObject({
      result: expect.anything(),
    });
    expect(await kit.store.registrations.get(node)).toBeUndefined();
    const account = await kit.service.xmppAccount('romeo@localhost');
    expect(await kit.store.devices.listByOwner(account?.id ?? '')).toEqual([]);
    expect(await call(commands, USER, command('unregister-device', fields))).toMatchObject({
      error: 'item-not-found',
    });
  });

  it.each([
    [{ 'device-token': TOKEN }, 'missing field provider'],
    [
      { provider: 'tigase:messenger:fcm:1', 'device-token': TOKEN },
      'unknown provider; this relay knows: tigase:messenger:apns:1, plain:apns',
    ],
    [{ provider: PROVIDER }, 'missing field device-token'],
    [
      { provider: PROVIDER, 'device-token': 'not hex' },
      'device-token is not a valid APNs device token',
    ],
    [
      { provider: PROVIDER, 'device-token': TOKEN, 'device-second-token': 'zz' },
      'device-second-token is not a valid device token',
    ],
  ])('refuses register-device with %j, storing nothing', async (fields, text) => {
    const s = setup();
    kit = s.kit;
    expect(await call(s.commands, USER, command('register-device', fields))).toEqual({
      error: 'bad-request',
      type: 'modify',
      text,
    });
    expect(await kit.store.registrations.listByJid('romeo@localhost')).toEqual([]);
  });
});

describe('ChatSecure (whitelist token and endpoint in publish-options)', () => {
  let kit: ReturnType<typeof memoryKit>;
  let remote: Server | undefined;
  const posted: unknown[] = [];
  afterEach(async () => {
    await kit?.store.close();
    await new Promise((r) => (remote ? remote.close(r) : r(undefined)));
    remote = undefined;
    posted.length = 0;
  });

  /** A remote relay that takes every message (POST /api/v1/messages/ → 202). */
  async function startRemote(): Promise<string> {
    remote = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        posted.push({ path: req.url, body: JSON.parse(body || '{}') });
        res.writeHead(202, { 'content-type': 'application/json' }).end(body);
      });
    });
    const server = remote;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async function localToken() {
    const account = await kit.service.login('cs', 'a long password');
    if (typeof account === 'string') throw new Error(account);
    await kit.service.addDevice(account.account, 'apns', { registrationId: TOKEN });
    return within(await kit.service.createToken(account.account, 'cs')).token;
  }

  const node = 'F3C2A1B0-1234-4ABC-9DEF-0123456789AB';

  it('pushes with a token of this relay, whatever endpoint the client wrote', async () => {
    const s = setup();
    kit = s.kit;
    const token = await localToken();
    const options = { token, endpoint: 'https://push.example.org/api/v1/messages/' };
    expect(await call(s.publish, SERVER, publish(node, '', options))).toEqual({
      result: undefined,
    });
    const [job] = await jobs(kit.store);
    expect(job?.device?.deviceToken).toBe(TOKEN);
  });

  it('hands the push to the configured relay whose messages URL is the endpoint', async () => {
    const url = await startRemote();
    const s = setup({ remotes: [{ name: 'cs', url }] });
    kit = s.kit;
    const token = 'ef'.repeat(20);
    const options = { token, endpoint: `${url}api/v1/messages/` };
    expect(await call(s.publish, SERVER, publish(node, '', options))).toEqual({
      result: undefined,
    });
    expect(posted).toEqual([
      { path: '/api/v1/messages/', body: expect.objectContaining({ token }) },
    ]);
    expect(await jobs(kit.store)).toEqual([]);
  });

  it('refuses a token that is no whitelist token before contacting the configured relay', async () => {
    const url = await startRemote();
    const s = setup({ remotes: [{ name: 'cs', url }] });
    kit = s.kit;
    for (const token of ['', 'not-a-token', 'ef'.repeat(2000)]) {
      const options = { token, endpoint: `${url}api/v1/messages/` };
      expect(await call(s.publish, SERVER, publish(node, '', options))).toEqual({
        error: 'bad-request',
        type: 'modify',
        text: 'token must be 40 hex digits',
      });
    }
    expect(posted).toEqual([]);
  });

  it('never contacts an endpoint that is not configured: an unknown token ends the registration', async () => {
    const url = await startRemote();
    const s = setup();
    kit = s.kit;
    const options = { token: 'ef'.repeat(20), endpoint: `${url}api/v1/messages/` };
    expect(await call(s.publish, SERVER, publish(node, '', options))).toEqual({
      error: 'item-not-found',
      type: 'cancel',
      text: 'unknown token',
    });
    expect(posted).toEqual([]);
    const malformed = { token: 'not-a-token' };
    expect(await call(s.publish, SERVER, publish(node, '', malformed))).toMatchObject({
      error: 'bad-request',
    });
  });
});

describe('Monal family (stateless apps)', () => {
  let kit: ReturnType<typeof memoryKit>;
  afterEach(() => kit?.store.close());

  it('pushes to the node as device token of the app pushModule names, sandbox by suffix', async () => {
    const s = setup();
    kit = s.kit;
    const prod = publish(TOKEN, '', { pushModule: 'monalProdiOS' });
    const sandbox = publish(VOIP, '', { pushModule: 'monalProdiOS-sandbox' });
    expect(await call(s.publish, SERVER, prod)).toEqual({ result: undefined });
    expect(await call(s.publish, SERVER, sandbox)).toEqual({ result: undefined });
    const sent = await jobs(kit.store);
    expect(sent.map((j) => [j.device?.deviceToken, j.device?.app, j.device?.environment])).toEqual([
      [TOKEN, 'monal', 'production'],
      [VOIP, 'monal', 'sandbox'],
    ]);
  });

  it.each([
    [
      'the pushModule of an app that is not stateless',
      TOKEN,
      'siskinPush',
      'unknown push node or pushModule',
    ],
    ['a node that is no device token', 'hello', 'monalProdiOS', 'the node is not a device token'],
  ])('answers item-not-found for %s, queuing nothing', async (_what, node, pushModule, text) => {
    const s = setup();
    kit = s.kit;
    expect(await call(s.publish, SERVER, publish(node, '', { pushModule }))).toEqual({
      error: 'item-not-found',
      type: 'cancel',
      text,
    });
    expect(await jobs(kit.store)).toEqual([]);
  });

  it('answers wait for a pushModule no app of this process has: the app may be on another process, or come back', async () => {
    const s = setup();
    kit = s.kit;
    const reply = await call(
      s.publish,
      SERVER,
      publish(TOKEN, '', { pushModule: 'quicksyProdiOS' }),
    );
    expect(reply).toEqual({
      error: 'recipient-unavailable',
      type: 'wait',
      text: "no app of this process has pushModule 'quicksyProdiOS'",
    });
    expect(await jobs(kit.store)).toEqual([]);
  });

  it('limits pushes per device token, with a wait error', async () => {
    const s = setup({
      limits: { perTokenPerMinute: 2, perAccountPerMinute: 100, missesPerMinute: 100 },
    });
    kit = s.kit;
    const p = publish(TOKEN, '', { pushModule: 'monalProdiOS' });
    await call(s.publish, SERVER, p);
    await call(s.publish, SERVER, p);
    expect(await call(s.publish, SERVER, p)).toMatchObject({
      error: 'resource-constraint',
      type: 'wait',
    });
  });

  it('keeps a token the provider called dead dead', async () => {
    const s = setup();
    kit = s.kit;
    const p = publish(TOKEN, '', { pushModule: 'monalProdiOS' });
    await call(s.publish, SERVER, p);
    const [job] = await jobs(kit.store);
    await kit.store.devices.recordError(job?.device?.id ?? '', 'Unregistered', Date.now(), true);
    expect(await call(s.publish, SERVER, p)).toEqual({
      error: 'item-not-found',
      type: 'cancel',
      text: 'the device token is no longer valid',
    });
  });
});
