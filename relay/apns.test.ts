import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import {
  createTestApnsKey,
  type FakeApns,
  startFakeApns,
  testApnsKey,
} from '../harness/fakes/apns-server.js';
import { type ApnsOptions, createApnsProvider } from './apns.js';
import type { Notification } from './notification.js';
import type { Provider, PushMessage } from './provider.js';

const TOKEN = 'a1'.repeat(32);
const TOPIC = 'im.example.app';

let fake: FakeApns;
const logLines: string[] = [];
const providers: Provider[] = [];

function provider(extra: Partial<ApnsOptions> = {}): Provider {
  const p = createApnsProvider({
    ...testApnsKey(),
    topic: TOPIC,
    environment: 'sandbox',
    endpoint: fake.url,
    ca: fake.ca,
    log: pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) }),
    ...extra,
  });
  providers.push(p);
  return p;
}

function msg(n: Partial<Notification> = {}, deviceToken = TOKEN, collapseId?: string): PushMessage {
  return { deviceToken, notification: { priority: 'high', ...n }, collapseId };
}

beforeAll(async () => {
  fake = await startFakeApns();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  fake.requests.length = 0;
  fake.setDelay(0);
});
afterAll(async () => {
  await fake.close();
  // Device tokens never reach the logs.
  expect(logLines.join('')).not.toContain(TOKEN);
});

describe('APNs provider against the fake APNs', () => {
  it('delivers a content-free alert push with the right headers', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await provider().send(msg({ messageCount: 3 }, TOKEN, 'room@example.com'));
    expect(result).toEqual({ ok: true });
    const [req] = await fake.waitFor(1);
    expect(req?.deviceToken).toBe(TOKEN);
    expect(req?.headers).toMatchObject({
      'apns-topic': TOPIC,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': 'room@example.com',
    });
    const expiry = Number(req?.headers['apns-expiration']);
    expect(expiry).toBeGreaterThanOrEqual(before + 86400);
    expect(expiry).toBeLessThanOrEqual(before + 86401);
    expect(req?.payload).toEqual({
      aps: { alert: { title: 'New message' }, sound: 'default', 'mutable-content': 1 },
      'message-count': 3,
    });
  });

  it('includes sender, body, encrypted and data only when present', async () => {
    const encrypted = { payload: 'c2VjcmV0', attributes: { iv: 'aXY=' } };
    const n = {
      lastSender: 'juliet@example.com',
      lastBody: 'Hi',
      encrypted,
      account: 'romeo@example.com',
      data: 'x',
    };
    expect(await provider({ expirySeconds: 60 }).send(msg(n))).toEqual({ ok: true });
    const [req] = await fake.waitFor(1);
    expect(req?.headers['apns-collapse-id']).toBeUndefined();
    expect(req?.payload).toEqual({
      aps: {
        alert: { title: 'juliet@example.com', body: 'Hi' },
        sound: 'default',
        'mutable-content': 1,
      },
      account: 'romeo@example.com',
      encrypted: 'c2VjcmV0',
      iv: 'aXY=',
      data: 'x',
    });
  });

  it('sends a call to a PushKit token as a VoIP push: its topic, no alert, no expiry', async () => {
    const n = { priority: 'high' as const, call: { sid: 'c1', media: ['audio'] } };
    const p = provider();
    const voip = `${TOPIC}.voip`;
    expect(await p.send({ deviceToken: 'a1', notification: n, topic: voip, voip: true })).toEqual({
      ok: true,
    });
    const [req] = await fake.waitFor(1);
    expect(req?.headers).toMatchObject({
      'apns-topic': voip,
      'apns-push-type': 'voip',
      'apns-priority': '10',
      'apns-expiration': '0',
    });
    expect(req?.payload).toEqual({ aps: {}, sid: 'c1', media: ['audio'] });
  });

  it('sends low priority as a background push', async () => {
    expect(await provider().send(msg({ priority: 'low' }))).toEqual({ ok: true });
    const [req] = await fake.waitFor(1);
    expect(req?.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(req?.payload).toEqual({ aps: { 'content-available': 1 } });
  });

  it('maps 410 and 400 BadDeviceToken / DeviceTokenNotForTopic to dead (the 400s maybe a config fault)', async () => {
    const p = provider();
    fake.failNext('b1', 1, { status: 410, reason: 'Unregistered' });
    fake.failNext('b2', 1, { status: 400, reason: 'BadDeviceToken' });
    fake.failNext('b3', 1, { status: 400, reason: 'DeviceTokenNotForTopic' });
    expect(await p.send(msg({}, 'b1'))).toEqual({
      ok: false,
      kind: 'dead',
      reason: 'Unregistered',
    });
    expect(await p.send(msg({}, 'b2'))).toEqual({
      ok: false,
      kind: 'dead',
      reason: 'BadDeviceToken',
      maybeConfig: true,
    });
    expect(await p.send(msg({}, 'b3'))).toMatchObject({ kind: 'dead', maybeConfig: true });
  });

  it('maps 429 and 500 to retry, without node-apn retrying by itself', async () => {
    const p = provider();
    fake.failNext('c1', 1, { status: 429, reason: 'TooManyRequests' });
    fake.failNext('c2', 1, { status: 500, reason: 'InternalServerError' });
    fake.failNext('c3', 1, { status: 503, reason: 'ServiceUnavailable' });
    expect(await p.send(msg({}, 'c1'))).toEqual({
      ok: false,
      kind: 'retry',
      reason: 'TooManyRequests',
    });
    expect(await p.send(msg({}, 'c2'))).toEqual({
      ok: false,
      kind: 'retry',
      reason: 'InternalServerError',
    });
    expect(await p.send(msg({}, 'c3'))).toMatchObject({ kind: 'retry' });
    expect(fake.requests.map((r) => r.status)).toEqual([429, 500, 503]);
    // The next attempt (the relay's own retry) goes through, on a fresh session after the 500.
    expect(await p.send(msg({}, 'c2'))).toEqual({ ok: true });
  });

  it('maps other 4xx to rejected', async () => {
    fake.setResponse('d1', { status: 400, reason: 'BadTopic' });
    fake.setResponse('d2', { status: 413, reason: 'PayloadTooLarge' });
    const p = provider();
    expect(await p.send(msg({}, 'd1'))).toEqual({
      ok: false,
      kind: 'rejected',
      reason: 'BadTopic',
    });
    expect(await p.send(msg({}, 'd2'))).toMatchObject({ kind: 'rejected' });
    fake.setResponse('d1', undefined);
    expect(await p.send(msg({}, 'd1'))).toEqual({ ok: true });
  });

  it('is rejected with 403 InvalidProviderToken for a wrong key id or key', async () => {
    const wrongId = await provider({ keyId: 'ZZZ999XXXX' }).send(msg());
    expect(wrongId).toEqual({ ok: false, kind: 'rejected', reason: 'InvalidProviderToken' });
    const wrongKey = await provider({ key: createTestApnsKey().key }).send(msg());
    expect(wrongKey).toEqual({ ok: false, kind: 'rejected', reason: 'InvalidProviderToken' });
    expect(fake.requests).toHaveLength(0);
  });

  it('maps network errors to retry, and close() still returns promptly', async () => {
    const gone = await startFakeApns();
    await gone.close();
    const p = provider({ endpoint: gone.url });
    expect(await p.send(msg())).toMatchObject({ ok: false, kind: 'retry' });
    const started = Date.now();
    await p.close(); // node-apn's own shutdown never calls back here
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps at most maxInFlight requests open', async () => {
    const own = await startFakeApns();
    try {
      own.setDelay(20);
      const p = provider({ maxInFlight: 5, endpoint: own.url });
      const tokens = Array.from({ length: 50 }, (_, i) => `e${i}`);
      const results = await Promise.all(tokens.map((t) => p.send(msg({}, t))));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(own.requests).toHaveLength(50);
      expect(own.maxConcurrent).toBeLessThanOrEqual(5);
      expect(own.maxConcurrent).toBeGreaterThan(1);
    } finally {
      await Promise.all(providers.splice(0).map((p) => p.close()));
      await own.close();
    }
  });

  it('a request with no answer gives up at requestTimeoutMs and frees its slot', async () => {
    const own = await startFakeApns();
    try {
      const p = provider({ endpoint: own.url, maxInFlight: 2, requestTimeoutMs: 500 });
      expect(await p.send(msg())).toEqual({ ok: true });
      own.faults.set({ kind: 'hang' });
      const started = Date.now();
      // Three sends on two slots: the third goes out only once a hung one gave its slot up.
      const hung = await Promise.all([1, 2, 3].map(() => p.send(msg())));
      expect(hung).toEqual(
        Array(3).fill({ ok: false, kind: 'retry', reason: 'apn write timeout' }),
      );
      expect(own.faults.stats.hung).toBe(3);
      own.faults.set(undefined);
      expect(await Promise.all([1, 2, 3].map(() => p.send(msg())))).toEqual(
        Array(3).fill({ ok: true }),
      );
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await Promise.all(providers.splice(0).map((p) => p.close()));
      await own.close();
    }
  });

  it('close() returns promptly after the server dropped the connection', async () => {
    const own = await startFakeApns();
    const p = provider({ endpoint: own.url });
    expect(await p.send(msg())).toEqual({ ok: true });
    await own.close();
    const started = Date.now();
    await p.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('close() lets in-flight sends finish and refuses later ones', async () => {
    fake.setDelay(50);
    const p = provider();
    const pending = p.send(msg());
    await fake.waitFor(1);
    await p.close();
    expect(await pending).toEqual({ ok: true });
    expect(await p.send(msg())).toEqual({ ok: false, kind: 'retry', reason: 'provider closed' });
    await p.close();
  });
});
