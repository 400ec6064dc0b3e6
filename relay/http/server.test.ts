import net from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { log, memoryKit } from '../../component/test-kit.js';
import { createHttpApi } from './server.js';

let app: FastifyInstance | undefined;
let kit: ReturnType<typeof memoryKit> | undefined;
afterEach(async () => {
  await app?.close();
  await kit?.store.close();
});

/**
 * The API over an in-memory store. `requestTimeoutMs` also closes a connection idle that long,
 * even while its request is being handled (a login's scrypt): only the test of slow clients
 * sets it short.
 */
function api(o: { misses?: number; trustProxy?: boolean; requestTimeoutMs?: number } = {}) {
  kit = memoryKit({
    limits: { perTokenPerMinute: 100, perAccountPerMinute: 100, missesPerMinute: o.misses ?? 100 },
  });
  return createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store: kit.store,
    log,
    bodyLimit: 16_384,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    trustProxy: o.trustProxy ?? false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 100, requestsPerAddressPerMinute: 1000 },
  });
}

/** POSTs JSON to the API as a client at `from` (behind the proxy that trust_proxy trusts). */
async function post(path: string, body: object, from: string) {
  if (!app) throw new Error('no app');
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify(body),
  });
  const retryAfter = res.headers.get('retry-after') ?? undefined;
  return { status: res.status, retryAfter, body: await res.json().catch(() => undefined) };
}

it('limits failed logins per username, whichever addresses they come from', async () => {
  app = api({ misses: 3, trustProxy: true });
  const login = (username: string, password: string, from: string) =>
    post('/api/v1/accounts/', { username, password }, from);
  expect((await login('alice', 'the right password', '198.51.100.1')).status).toBe(201);
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await login('alice', `wrong password ${i}`, `203.0.113.${i}`)).status);
  }
  expect(statuses).toEqual([401, 401, 401, 429]);
  const locked = await login('alice', 'the right password', '192.0.2.1');
  expect(locked).toEqual({
    status: 429,
    retryAfter: expect.stringMatching(/^[1-9]\d*$/),
    body: { detail: 'Too many failed attempts from the username alice.' },
  });
  // Another user, from one of those addresses, is not held back by alice's lock.
  expect((await login('bob', 'bob has a password', '203.0.113.0')).status).toBe(201);
});

it('refuses logins past what password hashing can take soon with 503, storing nothing', async () => {
  app = api({ trustProxy: true });
  const create = (i: number) =>
    post('/api/v1/accounts/', { username: `flood${i}`, password: 'a long password' }, '192.0.2.7');
  const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => create(i)));
  const refused = answers.flatMap((a, i) => (a.status === 503 ? [i] : []));
  expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
  expect(refused.length).toBeGreaterThan(0);
  expect(answers[refused[0] as number]).toEqual({
    status: 503,
    retryAfter: '1',
    body: { detail: 'Too many logins at once; try again in a moment.' },
  });
  // A refused login created nothing: the same username is created when asked again.
  expect((await create(refused[0] as number)).status).toBe(201);
});

it('counts the addresses of one IPv6 /64 as one', async () => {
  app = api({ misses: 2, trustProxy: true });
  const guess = (from: string) => post('/api/v1/messages/', { token: 'ab'.repeat(20) }, from);
  expect((await guess('2001:db8:1:2::1')).status).toBe(404);
  expect((await guess('2001:db8:1:2::2')).status).toBe(404);
  expect((await guess('2001:db8:1:2:ffff::3')).status).toBe(429);
  expect((await guess('2001:db8:1:3::1')).status).toBe(404);
});

it('cuts a client that sends its request too slowly', async () => {
  app = api({ requestTimeoutMs: 300 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  const socket = net.connect({ host: '127.0.0.1', port });
  let answer = '';
  socket.on('data', (c) => {
    answer += c.toString();
  });
  // Headers, then a body that never comes whole.
  socket.write(
    'POST /api/v1/messages/ HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n',
  );
  socket.write('Content-Length: 100\r\n\r\n{"token":');
  const started = Date.now();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  expect(Date.now() - started).toBeLessThan(2000);
  // Node answers 408 when its request timer fires first, else the idle socket is just closed.
  expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  // A client that sends in time is served.
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/messages/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'ab'.repeat(20) }),
  });
  expect(res.status).toBe(404);
});

it("answers a URL the router cannot take in the API's error shape", async () => {
  app = api();
  for (const [url, status, detail] of [
    ['/api/v1/tokens/%zz/', 400, 'Malformed request.'],
    ['/%', 400, 'Malformed request.'],
    [`/api/v1/tokens/${'a'.repeat(200)}/`, 404, 'Not found.'],
  ] as const) {
    const res = await app.inject({ method: 'DELETE', url });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body: { detail } });
  }
});
