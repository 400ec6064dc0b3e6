// XMPP registrations and HTTP accounts are one relay: a device registered over ad-hoc can be
// pushed through the HTTP API, and an HTTP token can back a XEP-0357 registration.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml } from '../harness/servers/xmpp-client.js';
import { createRelayClient } from '../relay-client/client.js';
import { formValues, startWorld, type World } from './world.js';

describe('XMPP registrations and the HTTP API share one relay', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      users: ['romeo', 'alice', 'juliet'],
      stack: { extraToml: '[relay]\nmessages_per_token_per_minute = 3\n' },
    });
  });
  afterAll(() => w?.stop());

  it('pushes a device registered over XMPP through the HTTP API with a token from create-token', async () => {
    const romeo = await w.connect('romeo');
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
    await createRelayClient({ baseUrl: w.stack.httpUrl }).sendMessage({
      token: issued.token ?? '',
    });
    await w.apns.waitFor((r) => r.deviceToken === deviceToken);
  });

  it('backs a XEP-0357 registration with a token of an HTTP account (relay "local")', async () => {
    const http = createRelayClient({ baseUrl: w.stack.httpUrl });
    const { apiKey } = await http.createAccount({ username: 'alice', password: 'a long password' });
    const owner = createRelayClient({ baseUrl: w.stack.httpUrl, apiKey });
    const fcmToken = 'fcm-alice-0123456789:abcdef';
    const device = await owner.addDevice('gcm', { registrationId: fcmToken });
    const { token } = await owner.createToken({ gcmDevice: device.id, name: 'my server' });

    const alice = await w.connect('alice');
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
    const juliet = await w.connect('juliet');
    await juliet.sendMessage('alice@localhost', 'hello over HTTP-backed push');
    await w.fcm.waitFor((s) => s.deviceToken === fcmToken);
  });

  it('counts pushes with one token over HTTP and XMPP against one limit', async () => {
    const romeo = await w.connect('romeo');
    const { token } = formValues(
      await romeo.executeCommand('push.localhost', 'create-token', { name: 'shared' }),
    );
    const http = createRelayClient({ baseUrl: w.stack.httpUrl, retries: 0 });
    for (let i = 0; i < 3; i++) await http.sendMessage({ token: token ?? '', priority: 'low' });
    const juliet = await w.connect('juliet');
    const push = xml('push', { xmlns: 'urn:xmpp:push-relay:0', token });
    await expect(
      juliet.iq(xml('iq', { type: 'set', to: 'push.localhost' }, push)),
    ).rejects.toMatchObject({ condition: 'resource-constraint', type: 'wait' });
  });

  it("keeps an account's token working when the device it was made for is removed", async () => {
    const http = createRelayClient({ baseUrl: w.stack.httpUrl });
    const { apiKey } = await http.createAccount({ username: 'bob', password: 'a long password' });
    const owner = createRelayClient({ baseUrl: w.stack.httpUrl, apiKey });
    const phone = await owner.addDevice('apns', { registrationId: '4b'.repeat(32) });
    const tablet = await owner.addDevice('apns', { registrationId: '4c'.repeat(32) });
    const { token } = await owner.createToken({ apnsDevice: phone.id, name: 'for alice' });
    await owner.removeDevice('apns', phone.id);
    await http.sendMessage({ token, data: 'to the tablet' });
    const [sent] = await w.apns.waitFor((r) => r.deviceToken === '4c'.repeat(32));
    expect(sent?.payload).toMatchObject({ data: 'to the tablet' });
    expect(tablet.id).not.toBe(phone.id);
  });
});
