// FCM provider through the real firebase-admin code path (OAuth token exchange, HTTP/1.1 send)
// against the fake FCM over real TLS.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Credential } from 'firebase-admin/app';
import { pino } from 'pino';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { createFcmProvider, type FcmOptions } from './fcm.js';
import type { Notification } from './notification.js';
import type { Provider, PushMessage } from './provider.js';

const log = pino({ level: 'silent' });
let fake: FakeFcm;
const open: Provider[] = [];

beforeAll(async () => {
  fake = await startFakeFcm();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await fake.close();
});

function provider(extra: Partial<FcmOptions> = {}, target: FakeFcm = fake): Provider {
  const p = createFcmProvider({
    serviceAccount: target.serviceAccount,
    endpoint: target.url,
    ca: target.ca,
    log,
    ...extra,
  });
  open.push(p);
  return p;
}

const token = (): string => `fcm-token-${randomUUID()}`;
const push = (
  deviceToken: string,
  n: Partial<Notification> = {},
  collapseId?: string,
): PushMessage => ({
  deviceToken,
  notification: { priority: 'high', ...n },
  ...(collapseId !== undefined ? { collapseId } : {}),
});
const testCredential: Credential = {
  getAccessToken: async () => ({ access_token: 'not-issued', expires_in: 3600 }),
};

test('gets an OAuth token from the fake and delivers a content-free data message', async () => {
  const before = fake.stats.tokenRequests;
  const t = token();
  await expect(provider().send(push(t, {}, 'room@example.org'))).resolves.toEqual({ ok: true });
  expect(fake.stats.tokenRequests).toBe(before + 1);
  const [sent] = await fake.waitFor((s) => s.deviceToken === t);
  expect(sent?.message).toEqual({
    token: t,
    data: { type: 'push' },
    android: { priority: 'high', ttl: '86400s', collapse_key: 'room@example.org' },
  });
});

test('reuses the access token and sends content only when present', async () => {
  const p = provider({ ttlSeconds: 60 });
  const [a, b] = [token(), token()];
  const n: Partial<Notification> = {
    priority: 'low',
    messageCount: 3,
    lastSender: 'juliet@example.org',
    lastBody: 'Wherefore art thou?',
    encrypted: { payload: 'c2VjcmV0', attributes: { iv: 'aXY=' } },
    data: 'opaque',
  };
  const before = fake.stats.tokenRequests;
  expect(await p.send(push(a, n))).toEqual({ ok: true });
  expect(await p.send(push(b, { priority: 'low' }))).toEqual({ ok: true });
  expect(fake.stats.tokenRequests).toBe(before + 1);
  const [sentA] = await fake.waitFor((s) => s.deviceToken === a);
  expect(sentA?.message.data).toEqual({
    type: 'push',
    'message-count': '3',
    sender: 'juliet@example.org',
    body: 'Wherefore art thou?',
    encrypted: 'c2VjcmV0',
    iv: 'aXY=',
    data: 'opaque',
  });
  expect(sentA?.message.android).toEqual({ priority: 'normal', ttl: '60s' });
  const [sentB] = await fake.waitFor((s) => s.deviceToken === b);
  expect(sentB?.message.data).toEqual({ type: 'push' });
});

test('404 UNREGISTERED and an invalid token are dead, and tokens are never logged', async () => {
  const lines: string[] = [];
  const p = provider({
    log: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
  });
  const [gone, bad] = [token(), token()];
  fake.setResponse(gone, { status: 404, errorCode: 'UNREGISTERED' });
  fake.setResponse(bad, {
    status: 400,
    errorCode: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
  });
  expect(await p.send(push(gone))).toMatchObject({ ok: false, kind: 'dead' });
  const result = await p.send(push(bad));
  expect(result).toMatchObject({ ok: false, kind: 'dead' });
  expect(JSON.stringify(result)).not.toContain(bad);
  expect(await p.send(push(token()))).toEqual({ ok: true });
  expect(lines.length).toBeGreaterThanOrEqual(3);
  expect(lines.join('\n')).not.toMatch(/fcm-token-|PRIVATE KEY/);
});

test('429, 500 and 503 are retried later, with Retry-After when given', async () => {
  const p = provider();
  const t = token();
  fake.failNext(t, 1, { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfter: 30 });
  expect(await p.send(push(t))).toEqual({
    ok: false,
    kind: 'retry',
    reason: expect.stringContaining('messaging/message-rate-exceeded'),
    retryAfterMs: 30000,
  });
  fake.failNext(t, 1, { status: 429, errorCode: 'QUOTA_EXCEEDED' });
  const noHint = await p.send(push(t));
  expect(noHint).toMatchObject({ ok: false, kind: 'retry' });
  expect(noHint).not.toHaveProperty('retryAfterMs');
  fake.failNext(t, 1, { status: 500, errorCode: 'INTERNAL' });
  expect(await p.send(push(t))).toMatchObject({ ok: false, kind: 'retry' });
  // firebase-admin waits out a 503's Retry-After itself only up to 60 s.
  fake.failNext(t, 1, { status: 503, errorCode: 'UNAVAILABLE', retryAfter: 120 });
  expect(await p.send(push(t))).toMatchObject({ ok: false, kind: 'retry', retryAfterMs: 120000 });
});

test('a single 503 is retried inside firebase-admin', async () => {
  const p = provider();
  const t = token();
  fake.failNext(t, 1, { status: 503 });
  const before = fake.stats.sendRequests;
  expect(await p.send(push(t))).toEqual({ ok: true });
  expect(fake.stats.sendRequests).toBe(before + 2);
});

test('403 SENDER_ID_MISMATCH and other invalid arguments are rejected', async () => {
  const p = provider();
  const t = token();
  fake.failNext(t, 1, { status: 403, errorCode: 'SENDER_ID_MISMATCH' });
  expect(await p.send(push(t))).toMatchObject({ ok: false, kind: 'rejected' });
  fake.failNext(t, 1, { status: 400, message: 'Message is too big' });
  expect(await p.send(push(t))).toMatchObject({ ok: false, kind: 'rejected' });
  // A token the fake never issued: 401 UNAUTHENTICATED.
  expect(await provider({ credential: testCredential }).send(push(t))).toMatchObject({
    ok: false,
    kind: 'rejected',
  });
});

test('a key the token endpoint does not accept is rejected', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const wrongKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const p = provider({ serviceAccount: { ...fake.serviceAccount, private_key: wrongKey } });
  const result = await p.send(push(token()));
  expect(result).toMatchObject({ ok: false, kind: 'rejected' });
  expect(JSON.stringify(result)).toContain('invalid_grant');
});

test('an unreachable endpoint is retried', async () => {
  const port = await closedPort();
  const endpoint = `https://127.0.0.1:${port}`;
  // Token exchange and FCM send both fail to connect.
  expect(await provider({ endpoint }).send(push(token()))).toMatchObject({
    ok: false,
    kind: 'retry',
  });
  const p = provider({ endpoint, credential: testCredential });
  expect(await p.send(push(token()))).toMatchObject({ ok: false, kind: 'retry' });
});

test('two providers with different app names coexist', async () => {
  const first = provider({ appName: 'fcm-first' });
  const second = provider({ appName: 'fcm-second' });
  const [a, b] = [token(), token()];
  expect(await first.send(push(a))).toEqual({ ok: true });
  expect(await second.send(push(b))).toEqual({ ok: true });
  await first.close();
  expect(await second.send(push(b))).toEqual({ ok: true });
  expect(await first.send(push(a))).toMatchObject({ ok: false, kind: 'retry' });
  // The name is free again once closed.
  expect(await provider({ appName: 'fcm-first' }).send(push(a))).toEqual({ ok: true });
});

test('maxConnections caps the connections to FCM; further sends queue', async () => {
  const own = await startFakeFcm();
  try {
    const p = provider({ maxConnections: 2 }, own);
    const results = await Promise.all(Array.from({ length: 10 }, () => p.send(push(token()))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await own.waitFor(10)).toHaveLength(10);
    expect(await own.connections()).toBeLessThanOrEqual(3); // 2 to FCM + 1 token exchange
  } finally {
    await own.close();
  }
});

test('a send with no answer gives up at its deadline and frees its connection', async () => {
  const own = await startFakeFcm();
  try {
    const p = provider({ maxConnections: 2, requestTimeoutMs: 500 }, own);
    expect(await p.send(push(token()))).toEqual({ ok: true });
    own.faults.set({ kind: 'hang' });
    const started = Date.now();
    // Three sends on two connections: the third waits for one (its deadline runs from then on)
    // and gets it only if the first two gave theirs up.
    const hung = await Promise.all([1, 2, 3].map(() => p.send(push(token()))));
    expect(hung).toEqual(
      Array(3).fill({
        ok: false,
        kind: 'retry',
        reason: 'timeout: no answer from FCM within 500 ms',
      }),
    );
    expect(own.faults.stats.hung).toBe(3);
    expect(Date.now() - started).toBeLessThan(2000);
    own.faults.set(undefined);
    // Both sockets were hung: the next sends go out only if they were released.
    const t = token();
    const after = await Promise.all([t, token(), token()].map((x) => p.send(push(x))));
    expect(after).toEqual(Array(3).fill({ ok: true }));
    expect(await own.waitFor((s) => s.deviceToken === t)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2500);
  } finally {
    await own.close();
  }
});

test('sends waiting for a connection when the provider closes are retried later', async () => {
  const p = provider({ maxConnections: 1 });
  const sends = [1, 2, 3].map(() => p.send(push(token())));
  await p.close();
  const results = await Promise.all(sends);
  expect(results.filter((r) => !r.ok)).toContainEqual({
    ok: false,
    kind: 'retry',
    reason: 'FCM provider closed',
  });
  expect(results.every((r) => r.ok || r.kind === 'retry')).toBe(true);
});

test('close() leaves no open handles', async () => {
  const own = await startFakeFcm();
  try {
    const p = createFcmProvider({
      serviceAccount: own.serviceAccount,
      endpoint: own.url,
      ca: own.ca,
      log,
    });
    expect(await p.send(push(token()))).toEqual({ ok: true });
    expect(await own.connections()).toBeGreaterThan(0); // pooled keep-alive connection
    await p.close();
    for (let i = 0; i < 50 && (await own.connections()) > 0; i++) await sleep(10);
    expect(await own.connections()).toBe(0);
  } finally {
    await own.close();
  }
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
