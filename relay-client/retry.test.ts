// The relay client's retries (429, 503, network errors, which methods) and timeouts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRelayClient } from './client.js';
import {
  RelayHttpError,
  RelayNetworkError,
  RelayRateLimitError,
  RelayTimeoutError,
} from './errors.js';
import { type FakeRelay, failure, startFakeRelay } from './test-server.js';

let fake: FakeRelay;
let n = 0;
beforeAll(async () => {
  fake = await startFakeRelay();
});
afterAll(() => fake.close());

async function client(o: { retries?: number; timeoutMs?: number } = {}) {
  const a = await createRelayClient({ baseUrl: fake.url }).createAccount({
    username: `r${++n}`,
    password: 'secret-pw',
  });
  fake.requests.length = 0;
  return createRelayClient({ baseUrl: fake.url, apiKey: a.apiKey, ...o });
}

const limited = (retryAfter: string) => ({
  status: 429,
  body: { detail: 'Request was throttled.' },
  headers: { 'retry-after': retryAfter },
});

describe('retries', () => {
  it('waits Retry-After seconds after a 429, then succeeds', async () => {
    const c = await client();
    fake.next(limited('1'));
    const started = Date.now();
    expect(await c.listDevices('apns')).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.length).toBe(2);
  });

  it('gives up after `retries` extra attempts', async () => {
    const c = await client({ retries: 2 });
    fake.next(limited('0'), limited('0'), limited('0'));
    const err = await failure(c.listTokens());
    expect(err).toBeInstanceOf(RelayRateLimitError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 0 });
    expect(fake.requests.length).toBe(3);
  });

  it('retries a 503 with backoff, and with an HTTP-date Retry-After', async () => {
    const c = await client();
    const soon = new Date(Date.now() + 1000).toUTCString();
    fake.next(
      { status: 503, body: { detail: 'down' } },
      { status: 503, headers: { 'retry-after': soon } },
    );
    expect(await c.listDevices('gcm')).toEqual([]);
    expect(fake.requests.length).toBe(3);
  });

  it('does not wait when the relay asks for longer than 30 s', async () => {
    const c = await client();
    fake.next(limited('3600'));
    const err = await failure(c.listDevices('gcm'));
    expect(err).toMatchObject({ name: 'RelayRateLimitError', retryAfterMs: 3_600_000 });
    expect(fake.requests.length).toBe(1);
  });

  it('never repeats a POST the relay may have processed', async () => {
    const c = await client();
    fake.next('drop');
    expect(await failure(c.addDevice('apns', { registrationId: 'r1' }))).toBeInstanceOf(
      RelayNetworkError,
    );
    fake.next(limited('0'));
    expect(await failure(c.addDevice('apns', { registrationId: 'r1' }))).toBeInstanceOf(
      RelayRateLimitError,
    );
    fake.next({ status: 503, body: { detail: 'down' } });
    expect(await failure(c.addDevice('apns', { registrationId: 'r1' }))).toBeInstanceOf(
      RelayHttpError,
    );
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(await c.listDevices('apns')).toEqual([]);
  });

  it('repeats a message after 429 or 503 but not after a network error', async () => {
    const c = await client();
    const d = await c.addDevice('apns', { registrationId: 'r2' });
    const { token } = await c.createToken({ apnsDevice: d.id });
    fake.requests.length = 0;
    fake.next(limited('0'), { status: 503 });
    expect(await c.sendMessage({ token })).toEqual({ detail: 'Message accepted.' });
    expect(fake.requests.length).toBe(3);
    fake.next('drop');
    expect(await failure(c.sendMessage({ token }))).toBeInstanceOf(RelayNetworkError);
    expect(fake.requests.length).toBe(4);
  });

  it('repeats GET and DELETE after a network error', async () => {
    const c = await client();
    fake.next('drop');
    expect(await c.listTokens()).toEqual([]);
    const d = await c.addDevice('gcm', { registrationId: 'r3' });
    fake.next('drop');
    await c.removeDevice('gcm', d.id);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST', 'DELETE', 'DELETE']);
  });
});

describe('network errors', () => {
  it('reports a relay that is not listening as a network error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = createRelayClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
    const err = await failure(client.pubsub());
    expect(err).toBeInstanceOf(RelayNetworkError);
    expect(err.message).toMatch(
      /cannot reach the relay at http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/,
    );
  });
});

describe('timeouts', () => {
  it('gives up on a relay that never answers within timeoutMs', async () => {
    const c = await client({ timeoutMs: 300, retries: 0 });
    fake.next('hang');
    const started = Date.now();
    const err = await failure(c.listDevices('apns'));
    expect(err).toBeInstanceOf(RelayTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 300, message: expect.stringContaining('300 ms') });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out each attempt of an idempotent request, and a POST once', async () => {
    const c = await client({ timeoutMs: 200, retries: 1 });
    fake.next('hang', 'hang');
    expect(await failure(c.listTokens())).toBeInstanceOf(RelayTimeoutError);
    expect(fake.requests.length).toBe(2);
    fake.next('hang');
    expect(await failure(c.createToken({ apnsDevice: 1 }))).toBeInstanceOf(RelayTimeoutError);
    expect(fake.requests.length).toBe(3);
  });
});
