// A registration naming a token of another operator's relay ([[relays]]): publishes from a
// real Prosody go out through that relay's HTTP API, with our relay client.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRelayClient } from '../relay-client/client.js';
import { type FakeApns, startFakeApns } from './fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from './fakes/fcm-server.js';
import { type Prosody, startProsody } from './servers/prosody.js';
import { connectClient, NS_DATA, type TestClient } from './servers/xmpp-client.js';
import { type Stack, startStack } from './stack.js';

const SECRET = 'component-secret';

describe('federation through a configured remote relay', () => {
  let apns: FakeApns;
  let fcm: FakeFcm;
  let prosody: Prosody;
  let remote: Stack;
  let home: Stack;
  let juliet: TestClient;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    [apns, fcm, prosody] = await Promise.all([
      startFakeApns(),
      startFakeFcm(),
      startProsody({ componentSecret: SECRET }),
    ]);
    await prosody.registerMany([
      ['juliet', 'pass'],
      ['romeo', 'pass'],
      ['tybalt', 'pass'],
    ]);
    remote = await startStack({ apns, fcm });
    home = await startStack({
      componentPort: prosody.componentPort,
      componentSecret: SECRET,
      apns,
      fcm,
      extraToml: `[[relays]]\nname = "remote"\nurl = "${remote.httpUrl}/"\n`,
    });
    juliet = await connectClient({ port: prosody.c2sPort, username: 'juliet', password: 'pass' });
    clients.push(juliet);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await home?.destroy();
    await remote?.destroy();
    await Promise.all([prosody?.stop(), apns?.close(), fcm?.close()]);
  });

  /** An account at the remote relay with one APNs device and a whitelist token for it. */
  async function remoteToken(username: string, deviceToken: string) {
    const anonymous = createRelayClient({ baseUrl: remote.httpUrl });
    const account = await anonymous.createAccount({ username, password: 'a long password' });
    const client = createRelayClient({ baseUrl: remote.httpUrl, apiKey: account.apiKey });
    const device = await client.addDevice('apns', { registrationId: deviceToken, name: 'phone' });
    const { token } = await client.createToken({ apnsDevice: device.id, name: 'home server' });
    return { client, token };
  }

  async function register(user: string, fields: Record<string, string>) {
    const c = await connectClient({ port: prosody.c2sPort, username: user, password: 'pass' });
    clients.push(c);
    const command = await c.executeCommand('push.localhost', 'register-push-relay', fields);
    return { c, command };
  }

  it('delivers through the remote relay, and a revoked token makes the server disable push', async () => {
    const deviceToken = '1f'.repeat(32);
    const { client, token } = await remoteToken('romeo-remote', deviceToken);
    const { c: romeo, command } = await register('romeo', {
      relay: 'remote',
      token,
      'device-id': 'romeo-phone',
    });
    expect(command.attrs.status).toBe('completed');
    const value = (name: string) =>
      command
        .getChild('x', NS_DATA)
        ?.getChildren('field')
        .find((f) => f.attrs.var === name)
        ?.getChildText('value') ?? '';
    await romeo.enablePush({ jid: 'push.localhost', node: value('node'), secret: value('secret') });
    await romeo.stop();

    await juliet.sendMessage('romeo@localhost', 'through the remote relay');
    await apns.waitFor((r) => r.deviceToken === deviceToken);
    expect(home.publishes).toEqual(['queued']);

    await client.revokeToken(token);
    await juliet.sendMessage('romeo@localhost', 'after the token was revoked');
    expect(await home.waitPublishes(2)).toEqual(['queued', 'gone']);
    expect(apns.requests.filter((r) => r.deviceToken === deviceToken)).toHaveLength(1);
  });

  it.each([
    ['an unconfigured relay', { relay: 'elsewhere', token: 'ab'.repeat(20), 'device-id': 'x' }],
    [
      'a URL instead of a relay name',
      { relay: 'http://127.0.0.1:1/', token: 'ab'.repeat(20), 'device-id': 'x' },
    ],
    ['a token that is not a whitelist token', { relay: 'remote', token: 'nope', 'device-id': 'x' }],
  ])('refuses %s with bad-request and stores nothing', async (_what, fields) => {
    const tybalt = await connectClient({
      port: prosody.c2sPort,
      username: 'tybalt',
      password: 'pass',
    });
    clients.push(tybalt);
    await expect(
      tybalt.executeCommand('push.localhost', 'register-push-relay', fields),
    ).rejects.toMatchObject({ condition: 'bad-request' });
    expect(await home.running.store.registrations.listByJid('tybalt@localhost')).toEqual([]);
  });
});
