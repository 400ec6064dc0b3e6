// The HTTP API against what the ChatSecure iOS client sends and parses, over real HTTP. Client
// facts come from github.com/ChatSecure/ChatSecure-Push-iOS (ChatSecurePush-SDK/*.swift and the
// request/response examples in ChatSecurePushExample/ChatSecurePushExampleTests/URLMockSetup.swift);
// server facts from github.com/ChatSecure/ChatSecure-Push-Server (push/*).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashSecret } from '../lib/secrets.js';
import { apiCaller } from './stack.js';
import { type RelayWorld, startWorld } from './world.js';

// URLMockSetup.swift: the client's own examples.
const PASSWORD = 'password';
const APNS_TOKEN = 'c8631d1938f161cae7539b9692fd85ddd4fda5398c0ef5dc5e208b86612c322a';
const DEVICE_NAME = 'Great big iPad';
const TOKEN_NAME = 'This awesome token';

// Deserializer.swift: `dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z"`; a device whose
// date_created does not parse is an error ("JSON date wrong format").
const CLIENT_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('HTTP API as ChatSecurePushiOS uses it', () => {
  let w: RelayWorld;
  const call = apiCaller(() => w.stack.httpUrl);

  /** Client.registerNewUser: AccountEndpoint.postRequest's `{username, password, email?}`. */
  async function register(username: string, email?: string) {
    const r = await call('POST', '/api/v1/accounts/', {
      username,
      password: PASSWORD,
      ...(email === undefined ? {} : { email }),
    });
    expect(r.status).toBe(201);
    return r.body as Record<string, string>;
  }

  /** Client.registerDevice: APNSDeviceEndpoint.postRequest's `{registration_id, name}`. */
  async function registerDevice(key: string, registrationId = APNS_TOKEN) {
    const r = await call(
      'POST',
      '/api/v1/device/apns/',
      { registration_id: registrationId, name: DEVICE_NAME },
      key,
    );
    expect(r.status).toBe(201);
    return r.body;
  }

  beforeAll(async () => {
    w = await startWorld({ server: false });
  });
  afterAll(() => w?.stop());

  it('answers an account as the strings Deserializer.account reads ([String: String])', async () => {
    for (const [username, email] of [
      ['test', 'email@email.com'],
      ['noemail', undefined],
    ] as const) {
      const account = await register(username, email);
      expect(Object.values(account).every((v) => typeof v === 'string')).toBe(true);
      expect(account).toMatchObject({ username, email: email ?? '' });
      expect(account.token).toMatch(/^[0-9a-f]{40}$/);
      // a login answers the same shape
      const again = await call('POST', '/api/v1/accounts/', { username, password: PASSWORD });
      expect(again.status).toBe(200);
      expect(Object.values(again.body).every((v) => typeof v === 'string')).toBe(true);
    }
  });

  it('writes date_created with microseconds, as DRF did and the client parses', async () => {
    const { token: key = '' } = await register('dates');
    const before = Date.now();
    const device = await registerDevice(key, 'd1'.repeat(32));
    expect(device.date_created).toMatch(CLIENT_DATE);
    expect(Date.parse(device.date_created)).toBeGreaterThanOrEqual(before - 1);
    const listed = await call('GET', '/api/v1/device/apns/', undefined, key);
    expect(listed.body[0].date_created).toBe(device.date_created);
    const token = await call('POST', '/api/v1/tokens/', { apns_device: device.id }, key);
    expect(token.body.date_created).toMatch(CLIENT_DATE);
  });

  it('creates a token for the device id as the client sends it (a string) or as a number', async () => {
    const { token: key = '' } = await register('tokens');
    const device = await registerDevice(key, 'e1'.repeat(32));
    // Deserializer.device reads `id` as a String only (`json["id"] as? String`).
    expect(typeof device.id).toBe('string');

    const bad: Array<[unknown, string]> = [
      ['abc', 'Incorrect type'],
      ['12a', 'Incorrect type'],
      ['', 'Incorrect type'],
      [true, 'Incorrect type'],
      [1.5, 'Incorrect type'],
      [[1], 'Incorrect type'],
      ['999999', 'Invalid pk "999999"'],
    ];
    for (const [apns_device, error] of bad) {
      const r = await call('POST', '/api/v1/tokens/', { apns_device, name: TOKEN_NAME }, key);
      expect([apns_device, r.status]).toEqual([apns_device, 400]);
      expect(r.body).toEqual({ apns_device: [expect.stringContaining(error)] });
    }
    expect((await call('GET', '/api/v1/tokens/', undefined, key)).body).toEqual([]);

    // TokenEndpoint.postRequest: `{apns_device: id, name}`, id a Swift String
    for (const apns_device of [device.id, Number(device.id)]) {
      const r = await call('POST', '/api/v1/tokens/', { apns_device, name: TOKEN_NAME }, key);
      expect(r.status).toBe(201);
      // Deserializer.token needs `token` and `apns_device` (or `gcm_device`) as Strings
      expect(r.body).toMatchObject({ name: TOKEN_NAME, apns_device: device.id });
      expect(r.body.token).toMatch(/^[0-9a-f]{40}$/);
      expect(r.body).not.toHaveProperty('gcm_device');
    }
  });

  it('removes the spaces from an APNs registration_id, and only the spaces', async () => {
    const { token: key = '' } = await register('spaces');
    const spaced = 'ab12cd34 '.repeat(8).trim();
    const device = await registerDevice(key, spaced);
    expect(device.registration_id).toBe('ab12cd34'.repeat(8));
    // NSData's description form: DRF kept the '<' '>' and so do we, so it is no APNs token
    const bracketed = await call(
      'POST',
      '/api/v1/device/apns/',
      { registration_id: `<${spaced}>` },
      key,
    );
    expect(bracketed).toMatchObject({ status: 400, body: { registration_id: expect.any(Array) } });
    const changed = await call(
      'PATCH',
      `/api/v1/device/apns/${device.id}/`,
      { registration_id: 'ef56 '.repeat(16).trim() },
      key,
    );
    expect(changed.body.registration_id).toBe('ef56'.repeat(16));

    const t = await call('POST', '/api/v1/tokens/', { apns_device: device.id }, key);
    expect((await call('POST', '/api/v1/messages/', { token: t.body.token })).status).toBe(202);
    await w.apns.waitFor((r) => r.deviceToken === 'ef56'.repeat(16));
    expect((await call('GET', '/api/v1/device/apns/', undefined, key)).body).toHaveLength(1);
  });

  it('takes an empty body with Content-Type: application/json as no body', async () => {
    const { token: key = '' } = await register('empty');
    const device = await registerDevice(key, 'f1'.repeat(32));
    const t = await call('POST', '/api/v1/tokens/', { apns_device: device.id }, key);

    const list = await call('GET', '/api/v1/tokens/', undefined, key, '');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    for (const path of ['/api/v1/accounts/', '/api/v1/tokens/', '/api/v1/messages/']) {
      const empty = await call('POST', path, undefined, key, '');
      const none = await call('POST', path, undefined, key);
      expect([path, empty.status, empty.body]).toEqual([path, 400, none.body]);
    }
    expect(
      (await call('DELETE', `/api/v1/tokens/${t.body.token}/`, undefined, key, '')).status,
    ).toBe(204);
    const path = `/api/v1/device/apns/${device.id}/`;
    expect((await call('DELETE', path, undefined, key, '')).status).toBe(204);
    // AccountEndpoint.deleteRequest names the account by username
    expect((await call('DELETE', '/api/v1/accounts/empty/', undefined, key, '')).status).toBe(204);
    expect((await call('GET', '/api/v1/tokens/', undefined, key)).status).toBe(401);
    // a body that is there but not JSON is still refused
    expect((await call('DELETE', path, undefined, key, ' ')).status).toBe(400);
  });

  it('lists tokens without nulls: a device as its id string, an account-wide token with none', async () => {
    const { token: key = '', id: owner = '' } = await register('listing');
    const device = await registerDevice(key, 'a2'.repeat(32));
    const tokens = w.stack.running.store.tokens;
    const common = { owner, createdAt: Date.now(), expiresAt: Date.now() + 60_000 };
    await tokens.add(hashSecret('c1'.repeat(20)), {
      ...common,
      name: 'device',
      scope: 'device',
      deviceId: device.id,
    });
    await tokens.add(hashSecret('c2'.repeat(20)), { ...common, name: 'account', scope: 'account' });

    const list = await call('GET', '/api/v1/tokens/', undefined, key);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain('null');
    const byName = Object.fromEntries(list.body.map((t: { name: string }) => [t.name, t]));
    expect(byName.device).toMatchObject({ apns_device: device.id });
    expect(byName.device.date_created).toMatch(CLIENT_DATE);
    expect(byName.account).not.toHaveProperty('apns_device');
    expect(byName.account).not.toHaveProperty('gcm_device');
  });
});
