// Each open client family's own way in, with the stanzas and HTTP calls its clients send,
// through real Prosody and ejabberd: the Tigase family (Siskin IM: disco, register-device, an
// enable without secret), ChatSecure (whitelist token and endpoint in publish-options) and
// Monal (the device token as node, pushModule; a stateless app). Each ends with a push at the
// fake APNs with that app's topic, then a dead token that makes the server disable push.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testApnsKey } from '../harness/fakes/apns-server.js';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { NS_PUSH, type TestClient, xml } from '../harness/servers/xmpp-client.js';
import { tokenDeviceId } from '../relay/service.js';
import type { Device } from '../store/types.js';
import { apiCaller, TOPIC, until } from './stack.js';
import { formValues, startWorld, type World } from './world.js';

const SECRET = 'component-secret';
const SISKIN_PROVIDER = 'tigase:messenger:apns:1';

/**
 * Name, start, non-wait errors until the server disables push, and whether it announces calls
 * (Prosody here with a stand-in for the Tigase server's `tigase:push:jingle:0`; ejabberd's
 * mod_push has nothing for calls, so a call arrives as an ordinary push).
 */
const servers: Array<[string, () => Promise<XmppServer>, number, boolean]> = [
  [
    'Prosody',
    () => startProsody({ componentSecret: SECRET, pushMaxErrors: 2, announceCalls: true }),
    2,
    true,
  ],
  ['ejabberd', () => startEjabberd({ componentSecret: SECRET }), 1, false],
];

/** Two more apps next to the stack's default `[apns]` and `[fcm]`: Siskin's and Monal's. */
function appsToml(apnsUrl: string): string {
  const key = testApnsKey();
  const common = `provider = "apns"\nkey_file = "AuthKey.p8"\nkey_id = "${key.keyId}"
team_id = "${key.teamId}"\nenvironment = "sandbox"\nendpoint = "${apnsUrl}"\nca_file = "apns-ca.pem"\n`;
  return `
[[apps]]
name = "siskin"
${common}topic = "org.example.siskin"
voip_topic = "org.example.siskin.voip"
tigase_providers = ["${SISKIN_PROVIDER}"]

[[apps]]
name = "monal"
${common}topic = "org.example.monal"
stateless = true
push_module = "monalProdiOS"
`;
}

/** A `jabber:x:data` field as the client writes it (`type` only where the client sets one). */
const field = (name: string, value: string, type?: string) =>
  xml('field', { var: name, type }, xml('value', {}, value));

describe.each(servers)(
  'client families through %s',
  (_name, startServer, errorsUntilDisabled, announcesCalls) => {
    let w: World;
    let juliet: TestClient;
    const call = apiCaller(() => w.stack.httpUrl);

    beforeAll(async () => {
      w = await startWorld({
        users: ['juliet', 'siskin', 'chatsecure', 'monal', 'caller'],
        server: startServer,
        stack: { withFakes: ({ apns }) => appsToml(apns.url) },
      });
      juliet = await w.connect('juliet');
    });
    afterAll(() => w?.stop());

    async function goOffline(c: TestClient) {
      await c.stop();
      await new Promise((r) => setTimeout(r, 500));
    }

    /** Sends messages until the server stopped publishing: its push for the user is off. */
    /** `refused`: refused publishes the server has already had (e.g. for a remove-access notice). */
    async function expectDisabled(to: string, refused = 0) {
      for (let i = refused; i < errorsUntilDisabled; i++) {
        const seen = w.stack.publishes.length;
        await juliet.sendMessage(to, `refused ${i}`);
        const outcomes = await w.stack.waitPublishes(seen + 1);
        expect(outcomes.at(-1)).toBe('gone');
      }
      await new Promise((r) => setTimeout(r, 500));
      const seen = w.stack.publishes.length;
      await juliet.sendMessage(to, 'the server should not publish this one');
      await new Promise((r) => setTimeout(r, 2000));
      expect(w.stack.publishes.slice(seen)).toEqual([]);
    }

    /** Waits until the relay retired the device (the provider said its token is dead). */
    async function retired(device: () => Promise<Device | undefined>) {
      await until(async () => (await device())?.active === false);
    }

    /** Martin's register-device: a submitted form without FORM_TYPE, text-single fields. */
    const registerDevice = (c: TestClient, to: string, fields: Record<string, string>) =>
      c.executeCommand(to, 'register-device', fields, 'text-single');

    it('Siskin IM: finds us, registers its device with register-device, enables without a secret', async () => {
      const token = 'a1'.repeat(32);
      const voipToken = 'a2'.repeat(32);
      const siskin = await w.connect('siskin');
      // Siskin's discovery: disco#items on its own server, disco#info on each item.
      const service = await siskin.findPushService('localhost', [NS_PUSH, SISKIN_PROVIDER]);
      expect(service).toBe('push.localhost');
      const command = await registerDevice(siskin, service, {
        provider: SISKIN_PROVIDER,
        'device-token': token,
        'device-second-token': voipToken,
      });
      expect(command.attrs.status).toBe('completed');
      const result = formValues(command);
      expect(result.node).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(result['max-payload-size']).toMatch(/^\d+$/);
      // Siskin enables with the node alone: no publish-options, no secret.
      await siskin.iq(
        xml(
          'iq',
          { type: 'set' },
          xml('enable', { xmlns: NS_PUSH, jid: service, node: result.node }),
        ),
      );
      await goOffline(siskin);

      await juliet.sendMessage('siskin@localhost', 'to a Tigase-family client');
      const [push] = await w.apns.waitFor((r) => r.deviceToken === token);
      expect(push?.headers).toMatchObject({
        'apns-topic': 'org.example.siskin',
        'apns-push-type': 'alert',
      });
      // No message ever goes to the PushKit token: a VoIP push must report a call.
      expect(w.apns.requests.filter((r) => r.deviceToken === voipToken)).toEqual([]);

      w.apns.setResponse(token, { status: 410, reason: 'Unregistered' });
      const mark = w.stack.publishes.length;
      await juliet.sendMessage('siskin@localhost', 'the app was deleted');
      await w.apns.waitFor((r) => r.deviceToken === token && r.status === 410, 15_000);
      const { store } = w.stack.running;
      await retired(async () => {
        const target = (await store.registrations.get(result.node ?? ''))?.target;
        return target?.kind === 'device' ? store.devices.get(target.device) : undefined;
      });
      // The relay tells the server (XEP-0357 §8 remove access); the server stores the notice
      // offline and publishes for it, and that publish is refused like the ones after it.
      await until(async () => w.stack.publishes.slice(mark).includes('gone'));
      await expectDisabled('siskin@localhost', 1);
    });

    it('Siskin IM: a call rings the PushKit token as a VoIP push where the server announces calls', async () => {
      const token = 'a3'.repeat(32);
      const voipToken = 'a4'.repeat(32);
      const siskin = await w.connect('caller');
      const command = await registerDevice(siskin, 'push.localhost', {
        provider: SISKIN_PROVIDER,
        'device-token': token,
        'device-second-token': voipToken,
      });
      const { node } = formValues(command);
      await siskin.iq(
        xml('iq', { type: 'set' }, xml('enable', { xmlns: NS_PUSH, jid: 'push.localhost', node })),
      );
      await goOffline(siskin);

      // Jingle Message Initiation (XEP-0353): juliet proposes an audio call.
      const sid = randomUUID();
      await juliet.xmpp.send(
        xml(
          'message',
          { to: 'caller@localhost', type: 'chat', id: sid },
          xml(
            'propose',
            { xmlns: 'urn:xmpp:jingle-message:0', id: sid },
            xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' }),
          ),
          xml('store', { xmlns: 'urn:xmpp:hints' }),
        ),
      );
      if (announcesCalls) {
        const [ring] = await w.apns.waitFor((r) => r.deviceToken === voipToken);
        expect(ring?.headers).toMatchObject({
          'apns-topic': 'org.example.siskin.voip',
          'apns-push-type': 'voip',
          'apns-priority': '10',
          'apns-expiration': '0',
        });
        expect(ring?.payload).toEqual({ aps: {}, 'message-count': 1, sid, media: ['audio'] });
      } else {
        const [push] = await w.apns.waitFor((r) => r.deviceToken === token);
        expect(push?.headers['apns-push-type']).toBe('alert');
      }
      await new Promise((r) => setTimeout(r, 300));
      const calls = w.apns.requests.filter((r) => [token, voipToken].includes(r.deviceToken));
      expect(calls).toHaveLength(1);
    });

    it('ChatSecure: enables with its whitelist token and our messages endpoint in publish-options', async () => {
      const deviceToken = 'b1'.repeat(32);
      // ChatSecurePushiOS: account, then the APNs device, then a token for it (strings only).
      const account = await call('POST', '/api/v1/accounts/', {
        username: `cs${Date.now()}`,
        password: 'correct horse battery',
      });
      const key = account.body.token as string;
      const device = await call(
        'POST',
        '/api/v1/device/apns/',
        { registration_id: deviceToken },
        key,
      );
      const token = await call('POST', '/api/v1/tokens/', { apns_device: device.body.id }, key);
      expect(token.status).toBe(201);
      const pubsub = await call('GET', '/api/v1/pubsub/');
      const endpoint = `${w.stack.httpUrl}/api/v1/messages/`;

      const cs = await w.connect('chatsecure');
      // XMPPFramework's enable: a random uppercase UUID node, FORM_TYPE without a type.
      const form = xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'submit' },
        field('FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options'),
        field('token', token.body.token),
        field('endpoint', endpoint),
      );
      const node = randomUUID().toUpperCase();
      await cs.iq(
        xml(
          'iq',
          { type: 'set' },
          xml('enable', { xmlns: NS_PUSH, jid: pubsub.body.jid, node }, form),
        ),
      );
      await goOffline(cs);

      await juliet.sendMessage('chatsecure@localhost', 'to ChatSecure');
      const [push] = await w.apns.waitFor((r) => r.deviceToken === deviceToken);
      expect(push?.headers['apns-topic']).toBe(TOPIC);

      // Revoking the token (DELETE without a body) ends the pushes: the server disables push.
      const revoked = await call('DELETE', `/api/v1/tokens/${token.body.id}/`, undefined, key);
      expect(revoked.status).toBe(204);
      await expectDisabled('chatsecure@localhost');
      expect(w.apns.requests.filter((r) => r.deviceToken === deviceToken)).toHaveLength(1);
    });

    it('Monal: the device token is the node and pushModule names the app (stateless)', async () => {
      const deviceToken = 'c1'.repeat(32);
      const monal = await w.connect('monal');
      const form = xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'submit' },
        field('FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options', 'hidden'),
        field('pushModule', 'monalProdiOS'),
      );
      await monal.iq(
        xml(
          'iq',
          { type: 'set' },
          xml('enable', { xmlns: NS_PUSH, jid: 'push.localhost', node: deviceToken }, form),
        ),
      );
      await goOffline(monal);

      await juliet.sendMessage('monal@localhost', 'to Monal');
      const [push] = await w.apns.waitFor((r) => r.deviceToken === deviceToken);
      expect(push?.headers).toMatchObject({ 'apns-topic': 'org.example.monal' });

      w.apns.setResponse(deviceToken, { status: 410, reason: 'Unregistered' });
      await juliet.sendMessage('monal@localhost', 'the app was deleted');
      await w.apns.waitFor((r) => r.deviceToken === deviceToken && r.status === 410, 15_000);
      const { store } = w.stack.running;
      await retired(async () => {
        const owner = await store.accounts.getByUsername('stateless:monal');
        return owner && store.devices.find(owner.id, 'apns', tokenDeviceId(deviceToken));
      });
      await expectDisabled('monal@localhost');
    });
  },
);
