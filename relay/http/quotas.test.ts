// The account quotas over the HTTP API: devices and whitelist tokens per account answer 403
// with a JSON detail past the quota, store nothing, and never count an update twice.
import type net from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { log, memoryKit } from '../../component/test-kit.js';
import { DEFAULT_QUOTAS } from '../quotas.js';
import { createHttpApi } from './server.js';

let app: FastifyInstance | undefined;
let kit: ReturnType<typeof memoryKit> | undefined;
afterEach(async () => {
  await app?.close();
  await kit?.store.close();
});

async function start() {
  kit = memoryKit({ quotas: { ...DEFAULT_QUOTAS, devicesPerAccount: 2, tokensPerAccount: 2 } });
  app = createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store: kit.store,
    log,
    bodyLimit: 16_384,
    requestTimeoutMs: 5000,
    trustProxy: false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 1000, requestsPerAddressPerMinute: 1000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  let key = '';
  const post = async (path: string, body: object) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Token ${key}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const login = await post('/api/v1/accounts/', { username: 'alice', password: 'a long password' });
  key = String(login.body.token);
  const store = kit.store;
  const alice = await store.accounts.getByUsername('alice');
  if (!alice) throw new Error('no account');
  return { post, store, alice, service: kit.service };
}

const apns = (i: number) => i.toString(16).padStart(2, '0').repeat(32);

it('refuses a device past devices per account, and takes the same device again', async () => {
  const { post, store, alice } = await start();
  const add = (i: number, device_id?: string) =>
    post('/api/v1/device/apns/', { registration_id: apns(i), ...(device_id && { device_id }) });
  expect((await add(1)).status).toBe(201);
  expect((await add(2, 'tablet')).status).toBe(201);
  expect(await add(3)).toEqual({
    status: 403,
    body: { detail: 'This account has too many devices (at most 2); delete one first.' },
  });
  expect((await add(1)).status).toBe(201);
  expect((await add(4, 'tablet')).status).toBe(201);
  const devices = await store.devices.listByOwner(alice.id);
  expect(devices.map((d) => d.deviceToken)).toEqual([apns(1), apns(4)]);
});

it('refuses a token past tokens per account; revoking one makes room', async () => {
  const { post, store, alice, service } = await start();
  const device = await post('/api/v1/device/apns/', { registration_id: apns(1) });
  const create = () => post('/api/v1/tokens/', { apns_device: device.body.id });
  const first = await create();
  expect(first.status).toBe(201);
  expect((await create()).status).toBe(201);
  expect(await create()).toEqual({
    status: 403,
    body: { detail: 'This account has too many whitelist tokens (at most 2); revoke one first.' },
  });
  expect(await store.tokens.countByOwner(alice.id)).toBe(2);
  expect(await service.revokeToken(alice, String(first.body.id))).toBe(true);
  expect((await create()).status).toBe(201);
});

it('expired tokens make room: they are purged before a token is refused', async () => {
  const { post, store, alice } = await start();
  const device = await post('/api/v1/device/apns/', { registration_id: apns(1) });
  for (const h of ['old-1', 'old-2']) {
    await store.tokens.add(h, {
      owner: alice.id,
      scope: 'account',
      name: '',
      createdAt: 1,
      expiresAt: 2,
    });
  }
  expect((await post('/api/v1/tokens/', { apns_device: device.body.id })).status).toBe(201);
  expect(await store.tokens.countByOwner(alice.id)).toBe(1);
});
