// One instance, several apps: the default [apns] and [fcm] apps, a second APNs app on the same
// key, and a third app with its own key serving sandbox and production builds. Every push must
// leave with its own app's key, topic and environment, and nothing else's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestApnsKey,
  type FakeApns,
  startFakeApns,
  testApnsKey,
} from '../harness/fakes/apns-server.js';
import { apiCaller, TOPIC } from './stack.js';
import { type RelayWorld, startWorld } from './world.js';

const BETA_KEY = { ...createTestApnsKey(), keyId: 'BETAKEY001', teamId: 'TEAMBETA01' };

describe('many apps in one instance', () => {
  let w: RelayWorld;
  let betaProduction: FakeApns;
  let betaSandbox: FakeApns;
  let dir: string;
  const call = apiCaller(() => w.stack.httpUrl);

  beforeAll(async () => {
    const trust = { publicKey: BETA_KEY.key, keyId: BETA_KEY.keyId, teamId: BETA_KEY.teamId };
    [betaProduction, betaSandbox] = await Promise.all([startFakeApns(trust), startFakeApns(trust)]);
    dir = mkdtempSync(join(tmpdir(), 'xpr-apps-'));
    writeFileSync(join(dir, 'beta.p8'), BETA_KEY.key);
    writeFileSync(join(dir, 'beta-prod-ca.pem'), betaProduction.ca);
    writeFileSync(join(dir, 'beta-sandbox-ca.pem'), betaSandbox.ca);
    const key = testApnsKey();
    w = await startWorld({
      server: false,
      stack: {
        withFakes: ({ apns }) => `
[[apps]]
name = "alpha"
provider = "apns"
key_file = "AuthKey.p8"
key_id = "${key.keyId}"
team_id = "${key.teamId}"
topic = "org.example.alpha"
environment = "sandbox"
endpoint = "${apns.url}"
ca_file = "apns-ca.pem"

[[apps]]
name = "beta"
provider = "apns"
key_file = "${join(dir, 'beta.p8')}"
key_id = "${BETA_KEY.keyId}"
team_id = "${BETA_KEY.teamId}"
topic = "org.example.beta"
environment = "both"
endpoint = "${betaProduction.url}"
sandbox_endpoint = "${betaSandbox.url}"
ca_file = "${join(dir, 'beta-prod-ca.pem')}"
`,
      },
    });
  });
  afterAll(async () => {
    await w?.stop();
    await Promise.all([betaProduction?.close(), betaSandbox?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each push with its own app: key, topic and environment', async () => {
    const account = await call('POST', '/api/v1/accounts/', {
      username: 'maker',
      password: 'correct horse battery',
    });
    const key = account.body.token as string;
    const add = async (kind: string, body: object) => {
      const r = await call('POST', `/api/v1/device/${kind}/`, body, key);
      expect(r.status).toBe(201);
      return r.body as { id: string };
    };
    const t = (n: number) => String(n).repeat(64);
    const first = await add('apns', { registration_id: t(1) });
    await add('apns', { registration_id: t(2), app: 'alpha' });
    await add('apns', { registration_id: t(3), app: 'beta', environment: 'production' });
    await add('apns', { registration_id: t(4), app: 'beta', environment: 'sandbox' });
    await add('gcm', { registration_id: `fcm-${t(5)}` });
    const token = await call('POST', '/api/v1/tokens/', { apns_device: first.id }, key);
    expect((await call('POST', '/api/v1/messages/', { token: token.body.token })).status).toBe(202);

    const seen = async (fake: FakeApns, n: number) =>
      (await fake.waitFor(n)).map((r) => [r.deviceToken, r.headers['apns-topic'], r.keyId]);
    const defaultKey = testApnsKey().keyId;
    expect((await seen(w.apns, 2)).sort()).toEqual([
      [t(1), TOPIC, defaultKey],
      [t(2), 'org.example.alpha', defaultKey],
    ]);
    expect(await seen(betaProduction, 1)).toEqual([[t(3), 'org.example.beta', BETA_KEY.keyId]]);
    expect(await seen(betaSandbox, 1)).toEqual([[t(4), 'org.example.beta', BETA_KEY.keyId]]);
    await w.fcm.waitFor((s) => s.deviceToken === `fcm-${t(5)}`);
    // Nothing else left: no push went out twice or through another app's connection.
    await new Promise((r) => setTimeout(r, 300));
    expect([w.apns, betaProduction, betaSandbox].map((f) => f.requests.length)).toEqual([2, 1, 1]);
    expect(w.fcm.sends).toHaveLength(1);
  });

  it('keeps a device in its app: an update naming another app or environment is refused', async () => {
    const account = await call('POST', '/api/v1/accounts/', {
      username: 'mover',
      password: 'correct horse battery',
    });
    const key = account.body.token as string;
    const body = { registration_id: '9'.repeat(64), app: 'beta', environment: 'sandbox' };
    const device = await call('POST', '/api/v1/device/apns/', body, key);
    const path = `/api/v1/device/apns/${device.body.id}/`;
    expect(await call('PATCH', path, { app: 'alpha' }, key)).toMatchObject({
      status: 400,
      body: { app: ['cannot be changed; add a new device'] },
    });
    expect(await call('PUT', path, { ...body, environment: 'production' }, key)).toMatchObject({
      status: 400,
      body: { environment: ['cannot be changed; add a new device'] },
    });
    expect(await call('PUT', path, { ...body, name: 'same build' }, key)).toMatchObject({
      status: 200,
    });
  });

  it.each([
    [{ app: 'nope' }, 'app', 'unknown APNs app "nope"; this relay knows: apns, alpha, beta'],
    [{ app: 'fcm' }, 'app', 'unknown APNs app "fcm"; this relay knows: apns, alpha, beta'],
    [{ app: 'beta' }, 'environment', 'app "beta" uses both environments; name one in environment'],
    [
      { app: 'alpha', environment: 'production' },
      'environment',
      'app "alpha" does not use the production environment (sandbox)',
    ],
  ])(
    'refuses a device naming %j with a clear error, storing nothing',
    async (extra, field, text) => {
      const account = await call('POST', '/api/v1/accounts/', {
        username: `wrong-${field}-${Object.values(extra).join('-')}`,
        password: 'correct horse battery',
      });
      const key = account.body.token as string;
      const r = await call(
        'POST',
        '/api/v1/device/apns/',
        { registration_id: 'ab'.repeat(32), ...extra },
        key,
      );
      expect(r).toMatchObject({ status: 400, body: { [field]: [text] } });
      expect((await call('GET', '/api/v1/device/apns/', undefined, key)).body).toEqual([]);
    },
  );
});
