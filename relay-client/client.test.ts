// The relay client against a real local HTTP server: wire shapes, errors, retries, timeouts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRelayClient, type RelayClientOptions } from './client.js';
import {
  RelayAuthError,
  RelayClientError,
  RelayHttpError,
  RelayNotFoundError,
  RelayRateLimitError,
  RelayValidationError,
} from './errors.js';
import { type FakeRelay, failure, startFakeRelay } from './test-server.js';

let fake: FakeRelay;
let n = 0;
beforeAll(async () => {
  fake = await startFakeRelay();
});
afterAll(() => fake.close());

/** A new account and a client holding its API key. */
async function signup(o: Partial<RelayClientOptions> = {}) {
  const account = await createRelayClient({ baseUrl: fake.url }).createAccount({
    username: `user${++n}`,
    password: 'correct horse',
  });
  const client = createRelayClient({ baseUrl: fake.url, apiKey: account.apiKey, ...o });
  fake.requests.length = 0;
  return { account, client, key: account.apiKey };
}

describe('accounts', () => {
  it('creates, logs in with a fresh key, refuses a wrong password, deletes', async () => {
    const anon = createRelayClient({ baseUrl: `${fake.url}/` });
    const made = await anon.createAccount({
      username: 'alice',
      password: 'pw1234',
      email: 'a@x.org',
    });
    expect(made).toEqual({
      id: expect.any(Number),
      username: 'alice',
      email: 'a@x.org',
      apiKey: expect.stringMatching(/^[0-9a-f]{40}$/),
      created: true,
    });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/accounts/',
      body: { username: 'alice', password: 'pw1234', email: 'a@x.org' },
    });
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
    const again = await anon.createAccount({ username: 'alice', password: 'pw1234' });
    expect(again).toMatchObject({ id: made.id, created: false });
    expect(again.apiKey).not.toBe(made.apiKey);
    const wrong = await failure(anon.createAccount({ username: 'alice', password: 'nope-nope' }));
    expect(wrong).toBeInstanceOf(RelayAuthError);
    expect(wrong).toMatchObject({ name: 'RelayAuthError', status: 401, detail: 'Wrong password.' });
    expect(wrong.message).not.toContain('nope-nope');
    await createRelayClient({ baseUrl: fake.url, apiKey: made.apiKey }).deleteAccount(made.id);
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/accounts/${made.id}/`,
    });
  });
});

describe('devices, tokens and messages', () => {
  it('speaks snake_case on the wire and camelCase in TypeScript', async () => {
    const { client, key } = await signup({ userAgent: 'tests/1' });
    const d = await client.addDevice('apns', {
      registrationId: 'ab'.repeat(32),
      name: 'phone',
      deviceId: 'X1',
    });
    expect(d).toEqual({
      id: expect.any(Number),
      name: 'phone',
      active: true,
      registrationId: 'ab'.repeat(32),
      deviceId: 'X1',
      dateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const sent = fake.requests.at(-1);
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/api/v1/device/apns/',
      body: { registration_id: 'ab'.repeat(32), name: 'phone', device_id: 'X1' },
    });
    expect(sent?.headers).toMatchObject({ authorization: `Token ${key}`, 'user-agent': 'tests/1' });
    expect(await client.listDevices('apns')).toEqual([d]);
    expect(await client.listDevices('gcm')).toEqual([]);
    expect(await client.getDevice('apns', d.id)).toEqual(d);
    const off = await client.updateDevice('apns', d.id, { active: false });
    expect(off).toEqual({ ...d, active: false });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', body: { active: false } });
    await expect(client.removeDevice('apns', d.id)).resolves.toBeUndefined();
    expect(fake.requests.at(-1)?.path).toBe(`/api/v1/device/apns/${d.id}/`);
    await expect(client.getDevice('apns', d.id)).rejects.toBeInstanceOf(RelayNotFoundError);
  });

  it('creates, lists and revokes whitelist tokens; messages need only the token', async () => {
    const { client } = await signup();
    const d = await client.addDevice('gcm', { registrationId: 'fcm-registration' });
    const t = await client.createToken({ gcmDevice: d.id, name: 'conversations' });
    expect(t).toMatchObject({
      name: 'conversations',
      apnsDevice: null,
      gcmDevice: d.id,
      dateExpires: null,
    });
    expect(t.token).toMatch(/^[0-9a-f]{40}$/);
    expect(await client.listTokens()).toEqual(
      [{ ...t, token: undefined }].map(({ token: _, ...x }) => x),
    );
    const pusher = createRelayClient({ baseUrl: fake.url });
    expect(await pusher.sendMessage({ token: t.token, data: 'hi', priority: 'high' })).toEqual({
      detail: 'Message accepted.',
    });
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
    expect(fake.pushes.at(-1)).toEqual({ token: t.token, data: 'hi', priority: 'high' });
    const big = await failure(pusher.sendMessage({ token: t.token, data: 'x'.repeat(101) }));
    expect(big).toBeInstanceOf(RelayValidationError);
    expect((big as RelayValidationError).fieldErrors).toEqual({
      data: [expect.stringMatching(/100/)],
    });
    await client.revokeToken(t.token);
    const gone = await failure(pusher.sendMessage({ token: t.token }));
    expect(gone).toBeInstanceOf(RelayNotFoundError);
    expect(gone.message).not.toContain(t.token);
    const t2 = await client.createToken({ gcmDevice: d.id });
    await client.revokeToken(t2.id);
    const twice = await failure(client.revokeToken(t2.token));
    expect(twice).toBeInstanceOf(RelayNotFoundError);
    expect(twice.message).toContain('DELETE /api/v1/tokens/{token}/');
    expect(twice.message).not.toContain(t2.token);
    expect(await pusher.pubsub()).toEqual({ jid: 'pubsub.relay.example' });
  });
});

describe('base URL', () => {
  it('takes the root with or without a slash or /api/v1/, and refuses other schemes', async () => {
    for (const base of [fake.url, `${fake.url}/`, `${fake.url}/api/v1`, `${fake.url}/api/v1/`]) {
      await createRelayClient({ baseUrl: base }).pubsub();
      expect(fake.requests.at(-1)?.path).toBe('/api/v1/pubsub/');
    }
    for (const base of ['ftp://relay.example', 'relay.example', 'https://u:p@relay.example']) {
      expect(() => createRelayClient({ baseUrl: base })).toThrow(RelayClientError);
    }
  });
});

describe('errors', () => {
  it('maps each status to its class, with name, status and detail', async () => {
    const { client } = await signup({ retries: 0 });
    const cases: [number, unknown, new (...a: never[]) => Error][] = [
      [400, { registration_id: ['This field is required.'] }, RelayValidationError],
      [401, { detail: 'Invalid token.' }, RelayAuthError],
      [403, { detail: 'Forbidden.' }, RelayAuthError],
      [404, { detail: 'Not found.' }, RelayNotFoundError],
      [405, { detail: 'Method not allowed.' }, RelayHttpError],
      [413, { detail: 'Too large.' }, RelayHttpError],
      [415, { detail: 'Unsupported media type.' }, RelayHttpError],
      [429, { detail: 'Slow down.' }, RelayRateLimitError],
      [503, { detail: 'Try later.' }, RelayHttpError],
    ];
    for (const [status, body, type] of cases) {
      fake.next({ status, body, headers: { 'retry-after': '120' } });
      const err = await failure(client.listDevices('apns'));
      expect(err).toBeInstanceOf(type);
      expect(err).toBeInstanceOf(RelayClientError);
      expect(err).toMatchObject({ name: type.name, status, body });
    }
    fake.next({ status: 400, body: { registration_id: ['This field is required.'] } });
    const v = (await failure(client.listDevices('apns'))) as RelayValidationError;
    expect(v.fieldErrors).toEqual({ registration_id: ['This field is required.'] });
    expect(v.detail).toBe('registration_id: This field is required.');
    fake.next({ status: 429, body: { detail: 'Slow down.' }, headers: { 'retry-after': '12' } });
    expect(await failure(client.listDevices('apns'))).toMatchObject({ retryAfterMs: 12_000 });
    fake.next({ status: 200, body: undefined, headers: { 'content-type': 'text/html' } });
    expect(await failure(client.pubsub())).toMatchObject({ name: 'RelayClientError' });
  });

  it('refuses to send an authenticated request without an API key', async () => {
    const seen = fake.requests.length;
    const err = await failure(createRelayClient({ baseUrl: fake.url }).listTokens());
    expect(err).toMatchObject({
      name: 'RelayClientError',
      message: 'GET /api/v1/tokens/ needs an API key',
    });
    expect(fake.requests.length).toBe(seen);
  });

  it('never puts the API key or a whitelist token into a message', async () => {
    const { client, key } = await signup({ retries: 0, timeoutMs: 200 });
    const secret = 'f'.repeat(40);
    fake.next(
      { status: 401, body: { detail: `bad key ${key}` } },
      { status: 429, body: { detail: `slow ${key}` } },
      'drop',
      'hang',
    );
    const errors = [
      await failure(client.listDevices('apns')),
      await failure(client.listTokens()),
      await failure(client.revokeToken(secret)),
      await failure(client.getDevice('apns', 1)),
      await failure(client.revokeToken(secret)),
      await failure(client.sendMessage({ token: secret })),
    ];
    expect(errors.map((e) => e.name)).toEqual([
      'RelayAuthError',
      'RelayRateLimitError',
      'RelayNetworkError',
      'RelayTimeoutError',
      'RelayNotFoundError',
      'RelayNotFoundError',
    ]);
    for (const e of errors) {
      const shown = `${e.message} ${String(e)} ${(e as RelayHttpError).detail ?? ''}`;
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(secret);
    }
    expect(errors[0]?.message).toContain('[redacted]');
  });
});
