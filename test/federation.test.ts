// A registration naming a token of another operator's relay ([[relays]]): publishes from a
// real Prosody go out through that relay's HTTP API, with our relay client.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRelayClient } from '../relay-client/client.js';
import { formValues, type RelayWorld, startWorld, type World } from './world.js';

describe('federation through a configured remote relay', () => {
  // the other operator: a relay alone, delivering to its own APNs
  let remote: RelayWorld;
  let w: World;

  beforeAll(async () => {
    remote = await startWorld({ server: false });
    w = await startWorld({
      users: ['juliet', 'romeo', 'tybalt'],
      stack: {
        extraToml: `[[relays]]\nname = "remote"\nurl = "${remote.stack.httpUrl}/"\nallow_http = true\n`,
      },
    });
  });
  afterAll(async () => {
    await w?.stop();
    await remote?.stop();
  });

  /** An account at the remote relay with one APNs device and a whitelist token for it. */
  async function remoteToken(username: string, deviceToken: string) {
    const anonymous = createRelayClient({ baseUrl: remote.stack.httpUrl });
    const account = await anonymous.createAccount({ username, password: 'a long password' });
    const client = createRelayClient({ baseUrl: remote.stack.httpUrl, apiKey: account.apiKey });
    const device = await client.addDevice('apns', { registrationId: deviceToken, name: 'phone' });
    const { token } = await client.createToken({ apnsDevice: device.id, name: 'home server' });
    return { client, token };
  }

  it('delivers through the remote relay, and a revoked token makes the server disable push', async () => {
    const deviceToken = '1f'.repeat(32);
    const { client, token } = await remoteToken('romeo-remote', deviceToken);
    const romeo = await w.connect('romeo');
    const command = await romeo.executeCommand('push.localhost', 'register-push-relay', {
      relay: 'remote',
      token,
      'device-id': 'romeo-phone',
    });
    expect(command.attrs.status).toBe('completed');
    const reg = formValues(command);
    await romeo.enablePush({
      jid: 'push.localhost',
      node: reg.node ?? '',
      secret: reg.secret ?? '',
    });
    await romeo.stop();

    const juliet = await w.connect('juliet');
    await juliet.sendMessage('romeo@localhost', 'through the remote relay');
    await remote.apns.waitFor((r) => r.deviceToken === deviceToken);
    expect(w.stack.publishes).toEqual(['queued']);
    expect(w.apns.requests).toEqual([]);

    await client.revokeToken(token);
    await juliet.sendMessage('romeo@localhost', 'after the token was revoked');
    expect(await w.stack.waitPublishes(2)).toEqual(['queued', 'gone']);
    expect(remote.apns.requests.filter((r) => r.deviceToken === deviceToken)).toHaveLength(1);
  });

  it.each([
    ['an unconfigured relay', { relay: 'elsewhere', token: 'ab'.repeat(20), 'device-id': 'x' }],
    [
      'a URL instead of a relay name',
      { relay: 'http://127.0.0.1:1/', token: 'ab'.repeat(20), 'device-id': 'x' },
    ],
    ['a token that is not a whitelist token', { relay: 'remote', token: 'nope', 'device-id': 'x' }],
  ])('refuses %s with bad-request and stores nothing', async (_what, fields) => {
    const tybalt = await w.connect('tybalt');
    await expect(
      tybalt.executeCommand('push.localhost', 'register-push-relay', fields),
    ).rejects.toMatchObject({ condition: 'bad-request' });
    expect(await w.stack.running.store.registrations.listByJid('tybalt@localhost')).toEqual([]);
  });
});
