// The relay's HTTP API as a ChatSecure client uses it, over real HTTP, delivering to fake APNs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiCaller, until } from './stack.js';
import { type RelayWorld, startWorld } from './world.js';

describe('relay HTTP API (ChatSecure-compatible)', () => {
  let w: RelayWorld;

  const call = apiCaller(() => w.stack.httpUrl);

  async function account(username: string) {
    const r = await call('POST', '/api/v1/accounts/', { username, password: 'correct horse' });
    expect(r.status).toBe(201);
    return r.body as { id: string; token: string };
  }

  beforeAll(async () => {
    w = await startWorld({
      server: false,
      stack: {
        extraToml:
          '[relay]\nmisses_per_address_per_minute = 10\nmessages_per_token_per_minute = 20\n',
      },
    });
  });
  afterAll(() => w?.stop());

  it('runs the whole ChatSecure flow: account, device, token, message, push', async () => {
    const created = await call('POST', '/api/v1/accounts/', {
      username: 'alice',
      password: 'correct horse',
      email: 'alice@example.org',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice', email: 'alice@example.org' });
    expect(created.body.token).toMatch(/^[0-9a-f]{40}$/);
    const key = created.body.token;

    const deviceToken = 'e5'.repeat(32);
    const device = await call(
      'POST',
      '/api/v1/device/apns/',
      { registration_id: deviceToken, name: 'phone' },
      key,
    );
    expect(device.status).toBe(201);
    expect(device.body).toMatchObject({
      name: 'phone',
      active: true,
      registration_id: deviceToken,
    });
    expect(typeof device.body.id).toBe('string');

    const token = await call(
      'POST',
      '/api/v1/tokens/',
      { apns_device: device.body.id, name: 'bob' },
      key,
    );
    expect(token.status).toBe(201);
    expect(token.body).toMatchObject({
      name: 'bob',
      apns_device: device.body.id,
    });
    expect(token.body.token).toMatch(/^[0-9a-f]{40}$/);
    expect(Date.parse(token.body.date_expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const msg = await call('POST', '/api/v1/messages/', {
      token: token.body.token,
      data: 'hi',
      priority: 'low',
    });
    expect(msg.status).toBe(202);
    const [push] = await w.apns.waitFor((r) => r.deviceToken === deviceToken);
    expect(push?.headers['apns-push-type']).toBe('background');
    expect(push?.payload).toMatchObject({ data: 'hi' });

    const list = await call('GET', '/api/v1/tokens/', undefined, key);
    expect(list.body).toEqual([expect.objectContaining({ id: token.body.id, name: 'bob' })]);
    expect(JSON.stringify(list.body)).not.toContain(token.body.token);
  });

  it('logs in with an existing username and the right password; 401 otherwise', async () => {
    await account('carol');
    const again = await call('POST', '/api/v1/accounts/', {
      username: 'carol',
      password: 'correct horse',
    });
    expect(again.status).toBe(200);
    expect(again.body.token).toMatch(/^[0-9a-f]{40}$/);
    const wrong = await call('POST', '/api/v1/accounts/', {
      username: 'carol',
      password: 'wrong horse',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBeDefined();
  });

  it('fans a push out to every device of the account', async () => {
    const { token: key } = await account('dave');
    const a = await call('POST', '/api/v1/device/apns/', { registration_id: 'f6'.repeat(32) }, key);
    const fcmToken = 'fcm-dave-0123456789:abcdef';
    await call('POST', '/api/v1/device/gcm/', { registration_id: fcmToken }, key);
    const t = await call('POST', '/api/v1/tokens/', { apns_device: a.body.id }, key);
    expect((await call('POST', '/api/v1/messages/', { token: t.body.token })).status).toBe(202);
    await w.apns.waitFor((r) => r.deviceToken === 'f6'.repeat(32));
    await w.fcm.waitFor((s) => s.deviceToken === fcmToken);
  });

  it('MUST ignore members of a request that this document does not define', async () => {
    const { token: key } = await account('ines');
    const extra = { client_version: '4.2', platform: { os: 'iOS' } };
    const d = await call(
      'POST',
      '/api/v1/device/apns/',
      { registration_id: 'e7'.repeat(32), ...extra },
      key,
    );
    expect(d.status).toBe(201);
    const t = await call('POST', '/api/v1/tokens/', { apns_device: d.body.id, ...extra }, key);
    expect(t.status).toBe(201);
    const m = await call('POST', '/api/v1/messages/', { token: t.body.token, ...extra });
    expect(m.status).toBe(202);
    await w.apns.waitFor((r) => r.deviceToken === 'e7'.repeat(32));
  });

  it('answers 400 for a token that cannot be one', async () => {
    const r = await call('POST', '/api/v1/messages/', { token: '0f1e2d3c' });
    expect(r).toMatchObject({ status: 400, body: { token: [expect.any(String)] } });
  });

  it('answers 404 at once for revoked and expired tokens, and the same for unknown ones', async () => {
    const { token: key } = await account('erin');
    const d = await call('POST', '/api/v1/device/apns/', { registration_id: 'a7'.repeat(32) }, key);
    const t = await call('POST', '/api/v1/tokens/', { apns_device: d.body.id }, key);
    expect((await call('DELETE', `/api/v1/tokens/${t.body.token}/`, undefined, key)).status).toBe(
      204,
    );
    const revoked = await call('POST', '/api/v1/messages/', { token: t.body.token });
    const unknown = await call('POST', '/api/v1/messages/', { token: 'ab'.repeat(20) });
    expect(revoked).toMatchObject({ status: 404 });
    expect(unknown).toMatchObject({ status: 404 });
    expect(revoked.body).toEqual(unknown.body);

    // an expired token: make one that expired a second ago directly in the store
    const { hashSecret } = await import('../lib/secrets.js');
    const rec = await w.stack.running.store.tokens.add(hashSecret('cd'.repeat(20)), {
      owner: String((await w.stack.running.store.accounts.getByUsername('erin'))?.id),
      scope: 'account',
      name: 'old',
      createdAt: Date.now() - 2000,
      expiresAt: Date.now() - 1000,
    });
    expect(rec.id).toBeDefined();
    expect(await call('POST', '/api/v1/messages/', { token: 'cd'.repeat(20) })).toMatchObject({
      status: 404,
      body: unknown.body,
    });
    expect(w.apns.requests.filter((r) => r.deviceToken === 'a7'.repeat(32))).toEqual([]);
  });

  it('retires a device that APNs reports as gone (410)', async () => {
    const { token: key } = await account('frank');
    const deviceToken = 'b8'.repeat(32);
    w.apns.setResponse(deviceToken, { status: 410, reason: 'Unregistered' });
    const d = await call('POST', '/api/v1/device/apns/', { registration_id: deviceToken }, key);
    const t = await call('POST', '/api/v1/tokens/', { apns_device: d.body.id }, key);
    expect((await call('POST', '/api/v1/messages/', { token: t.body.token })).status).toBe(202);
    await until(
      async () =>
        (await call('GET', `/api/v1/device/apns/${d.body.id}/`, undefined, key)).body.active ===
        false,
    );
    expect((await call('POST', '/api/v1/messages/', { token: t.body.token })).status).toBe(404);
  });

  it('refuses bad input with clear 4xx JSON and stores nothing', async () => {
    const { token: key } = await account('grace');
    const cases: Array<[string, string, unknown, string | undefined, string | undefined, number]> =
      [
        ['malformed JSON', '/api/v1/accounts/', undefined, undefined, '{"username": ', 400],
        [
          'wrong types',
          '/api/v1/accounts/',
          { username: 5, password: true },
          undefined,
          undefined,
          400,
        ],
        [
          'oversize data',
          '/api/v1/messages/',
          { token: 'ab'.repeat(20), data: 'x'.repeat(101) },
          undefined,
          undefined,
          400,
        ],
        [
          'oversize body',
          '/api/v1/accounts/',
          { username: 'x', password: 'y'.repeat(20_000) },
          undefined,
          undefined,
          413,
        ],
        [
          'a bad device token',
          '/api/v1/device/apns/',
          { registration_id: 'not-hex' },
          key,
          undefined,
          400,
        ],
        [
          'no auth',
          '/api/v1/device/apns/',
          { registration_id: 'c9'.repeat(32) },
          undefined,
          undefined,
          401,
        ],
        [
          'a bad API key',
          '/api/v1/device/apns/',
          { registration_id: 'c9'.repeat(32) },
          '00'.repeat(20),
          undefined,
          401,
        ],
        ['a foreign device', '/api/v1/tokens/', { apns_device: 999999 }, key, undefined, 400],
      ];
    for (const [what, path, body, k, raw, status] of cases) {
      const r = await call('POST', path, body, k, raw);
      expect([what, r.status]).toEqual([what, status]);
      expect(typeof r.body).toBe('object');
    }
    const devices = await call('GET', '/api/v1/device/apns/', undefined, key);
    expect(devices.body).toEqual([]);
    expect((await call('GET', '/api/v1/pubsub/')).status).toBe(404);
  });

  it('reads, changes and removes devices, and deletes the account with everything in it', async () => {
    const { id, token: key } = await account('heidi');
    const d = await call(
      'POST',
      '/api/v1/device/gcm/',
      { registration_id: 'fcm-heidi-0123456789', device_id: 'h1' },
      key,
    );
    expect(d.body).toMatchObject({ device_id: 'h1', registration_id: 'fcm-heidi-0123456789' });
    const path = `/api/v1/device/gcm/${d.body.id}/`;
    expect((await call('GET', path, undefined, key)).body).toEqual(d.body);
    expect((await call('GET', `/api/v1/device/apns/${d.body.id}/`, undefined, key)).status).toBe(
      404,
    );
    const patched = await call('PATCH', path, { name: 'tablet', active: false }, key);
    expect(patched.body).toMatchObject({ name: 'tablet', active: false });
    const put = await call(
      'PUT',
      path,
      { registration_id: 'fcm-heidi-9876543210', active: true },
      key,
    );
    expect(put.body).toMatchObject({ registration_id: 'fcm-heidi-9876543210', active: true });
    expect((await call('PATCH', path, { device_id: 'other' }, key)).status).toBe(400);
    const t = await call('POST', '/api/v1/tokens/', { gcm_device: d.body.id }, key);

    const other = await account('ivan');
    expect((await call('GET', path, undefined, other.token)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/accounts/${id}/`, undefined, other.token)).status).toBe(
      403,
    );

    expect((await call('DELETE', path, undefined, key)).status).toBe(204);
    expect((await call('GET', '/api/v1/device/gcm/', undefined, key)).body).toEqual([]);
    expect((await call('POST', '/api/v1/messages/', { token: t.body.token })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/accounts/${id}/`, undefined, key)).status).toBe(204);
    expect((await call('GET', '/api/v1/tokens/', undefined, key)).status).toBe(401);
  });

  it('rate-limits token guessing per address', async () => {
    let last = 0;
    for (let i = 0; i < 15; i++) {
      last = (await call('POST', '/api/v1/messages/', { token: `${i}`.padStart(40, 'e') })).status;
    }
    expect(last).toBe(429);
    const r = await call('POST', '/api/v1/messages/', { token: 'ab'.repeat(20) });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
