// XMPP registrations and HTTP accounts are one relay: a device registered over ad-hoc can be
// pushed through the HTTP API, and an HTTP token can back a XEP-0357 registration.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRelayClient } from '../relay-client/client.js';
import { type FakeApns, startFakeApns } from './fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from './fakes/fcm-server.js';
import { type Prosody, startProsody } from './servers/prosody.js';
import { connectClient, NS_DATA, type TestClient } from './servers/xmpp-client.js';
import { type Stack, startStack } from './stack.js';

const SECRET = 'component-secret';

function formValues(command: { getChild: TestClient['received'][number]['getChild'] }) {
  return Object.fromEntries(
    (command.getChild('x', NS_DATA)?.getChildren('field') ?? []).map((f) => [
      f.attrs.var,
      f.getChildText('value') ?? '',
    ]),
  ) as Partial<Record<string, string>>;
}

describe('XMPP registrations and the HTTP API share one relay', () => {
  let apns: FakeApns;
  let fcm: FakeFcm;
  let prosody: Prosody;
  let stack: Stack;
  const clients: TestClient[] = [];
  const connect = async (username: string) => {
    const c = await connectClient({ port: prosody.c2sPort, username, password: 'pass' });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [apns, fcm, prosody] = await Promise.all([
      startFakeApns(),
      startFakeFcm(),
      startProsody({ componentSecret: SECRET }),
    ]);
    await prosody.registerMany([
      ['romeo', 'pass'],
      ['alice', 'pass'],
      ['juliet', 'pass'],
    ]);
    stack = await startStack({
      componentPort: prosody.componentPort,
      componentSecret: SECRET,
      apns,
      fcm,
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await stack?.destroy();
    await Promise.all([prosody?.stop(), apns?.close(), fcm?.close()]);
  });

  it('pushes a device registered over XMPP through the HTTP API with a token from create-token', async () => {
    const romeo = await connect('romeo');
    const none = romeo.executeCommand('push.localhost', 'create-token', { name: 'juliet' });
    await expect(none).rejects.toMatchObject({ condition: 'item-not-found' });
    const deviceToken = '3a'.repeat(32);
    await romeo.executeCommand('push.localhost', 'register-push-apns', {
      token: deviceToken,
      'device-id': 'romeo-phone',
    });
    const issued = formValues(
      await romeo.executeCommand('push.localhost', 'create-token', { name: 'juliet' }),
    );
    expect(issued.token).toMatch(/^[0-9a-f]{40}$/);
    expect(Date.parse(issued.expires ?? '')).toBeGreaterThan(Date.now());
    await createRelayClient({ baseUrl: stack.httpUrl }).sendMessage({ token: issued.token ?? '' });
    await apns.waitFor((r) => r.deviceToken === deviceToken);
  });

  it('backs a XEP-0357 registration with a token of an HTTP account (relay "local")', async () => {
    const http = createRelayClient({ baseUrl: stack.httpUrl });
    const { apiKey } = await http.createAccount({ username: 'alice', password: 'a long password' });
    const owner = createRelayClient({ baseUrl: stack.httpUrl, apiKey });
    const fcmToken = 'fcm-alice-0123456789:abcdef';
    const device = await owner.addDevice('gcm', { registrationId: fcmToken });
    const { token } = await owner.createToken({ gcmDevice: device.id, name: 'my server' });

    const alice = await connect('alice');
    const reg = formValues(
      await alice.executeCommand('push.localhost', 'register-push-relay', {
        relay: 'local',
        token,
        'device-id': 'alice-tablet',
      }),
    );
    await alice.enablePush({
      jid: 'push.localhost',
      node: reg.node ?? '',
      secret: reg.secret ?? '',
    });
    await alice.stop();
    const juliet = await connect('juliet');
    await juliet.sendMessage('alice@localhost', 'hello over HTTP-backed push');
    await fcm.waitFor((s) => s.deviceToken === fcmToken);
  });
});
