// What admins and users see: /healthz, /metrics, and the explain / test-push / admin commands.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Element, TestClient } from '../harness/servers/xmpp-client.js';
import { NS_DATA, xml } from '../harness/servers/xmpp-client.js';
import { until } from './stack.js';
import { startWorld, type World } from './world.js';

const summary = (command: Element) =>
  (command.getChild('x', NS_DATA)?.getChildren('field') ?? [])
    .filter((f) => f.attrs.var === 'summary')
    .flatMap((f) => f.getChildren('value').map((v) => v.getText()))
    .join('\n');

describe('health, metrics and diagnostics', () => {
  let w: World;
  let romeo: TestClient;
  let admin: TestClient;
  const good = '4b'.repeat(32);
  const dead = '5c'.repeat(32);

  const get = async (path: string) => {
    const res = await fetch(`${w.stack.httpUrl}${path}`);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    w = await startWorld({
      users: ['romeo', 'juliet', 'admin'],
      stack: { admins: ['admin@localhost'] },
    });
    romeo = await w.connect('romeo');
    admin = await w.connect('admin');
    w.apns.setResponse(dead, { status: 410, reason: 'Unregistered' });
    const devices: Array<[string, string]> = [
      [good, 'good-phone'],
      [dead, 'old-phone'],
    ];
    for (const [token, id] of devices) {
      await romeo.executeCommand('push.localhost', 'register-push-apns', {
        token,
        'device-id': id,
      });
    }
  });
  afterAll(() => w?.stop());

  it('sends a test push to each registered device and says what happened', async () => {
    const text = summary(await romeo.executeCommand('push.localhost', 'test-push'));
    expect(text).toContain("Device 'good-phone': sent");
    const [push] = await w.apns.waitFor((r) => r.deviceToken === good);
    expect(push?.payload).toMatchObject({ data: 'test push' });
    await w.apns.waitFor((r) => r.deviceToken === dead && r.status === 410);
  });

  it('explains each registration in plain words, the dead one with its cause', async () => {
    let text = '';
    await until(async () => {
      text = summary(await romeo.executeCommand('push.localhost', 'explain'));
      return text.includes('not working');
    });
    expect(text).toMatch(
      /APNs device 'good-phone': through app 'apns', working: last push delivered .* ago \(1 delivered, 0 failed\)/,
    );
    expect(text).toMatch(
      /APNs device 'old-phone': through app 'apns', not working: APNs rejected the device token .*the app was removed/,
    );
  });

  it('serves Prometheus metrics of publishes, pushes and the queue', async () => {
    // A push is counted once its job has ended, which commits after the device's record that
    // `explain` reads: wait for the queue to be empty and the dead device's push counted.
    let status = 0;
    let text = '';
    await until(async () => {
      ({ status, text } = await get('/metrics'));
      return /xpr_queue_depth 0/.test(text) && /result="dead"/.test(text);
    });
    expect(status).toBe(200);
    expect(text).toMatch(/xpr_pushes_total\{app="apns",provider="apns",result="ok",reason=""\} 1/);
    expect(text).toMatch(
      /xpr_pushes_total\{app="apns",provider="apns",result="dead",reason="Unregistered"\} 1/,
    );
    expect(text).toMatch(/xpr_publish_to_provider_seconds_count\{app="apns",provider="apns"\} 1/);
    expect(text).toMatch(/xpr_queue_depth 0/);
    expect(text).toMatch(/xpr_xmpp_connected 1/);
  });

  it('shows admin commands to admins only, and they list, remove and report status', async () => {
    const items = async (c: TestClient) =>
      (
        await c.iq(
          xml(
            'iq',
            { type: 'get', to: 'push.localhost' },
            xml('query', {
              xmlns: 'http://jabber.org/protocol/disco#items',
              node: 'http://jabber.org/protocol/commands',
            }),
          ),
        )
      )
        .getChild('query')
        ?.getChildren('item')
        .map((i) => i.attrs.node);
    expect(await items(romeo)).not.toContain('admin-status');
    expect(await items(admin)).toContain('admin-status');
    await expect(romeo.executeCommand('push.localhost', 'admin-status')).rejects.toMatchObject({
      condition: 'item-not-found',
    });

    const status = summary(await admin.executeCommand('push.localhost', 'admin-status'));
    expect(status).toMatch(/XMPP link: connected/);
    expect(status).toMatch(/Delivers for: apns \(APNs, sandbox, default\); fcm \(FCM, default\)\./);
    const listed = summary(
      await admin.executeCommand('push.localhost', 'admin-list-registrations', {
        jid: 'romeo@localhost',
      }),
    );
    expect(listed).toContain("'good-phone'");
    const removed = summary(
      await admin.executeCommand('push.localhost', 'admin-remove-registrations', {
        jid: 'romeo@localhost',
        'device-id': 'old-phone',
      }),
    );
    expect(removed).toContain('Removed 1 registration(s)');
    expect(
      (await w.stack.running.store.registrations.listByJid('romeo@localhost')).map(
        (r) => r.deviceId,
      ),
    ).toEqual(['good-phone']);
  });

  it('reports health: 200 while all is up, 503 once the XMPP link is down', async () => {
    const up = await get('/healthz');
    expect(up.status).toBe(200);
    expect(JSON.parse(up.text)).toMatchObject({
      status: 'ok',
      xmpp: 'up',
      store: 'up',
      apps: [
        { name: 'apns', provider: 'apns', default: true, environments: ['sandbox'] },
        { name: 'fcm', provider: 'fcm', default: true },
      ],
    });
    await Promise.all([romeo.stop(), admin.stop()]);
    await w.server.stop();
    await until(async () => (await get('/healthz')).status === 503);
    expect(JSON.parse((await get('/healthz')).text)).toMatchObject({
      status: 'unhealthy',
      xmpp: 'down',
    });
  });
});
