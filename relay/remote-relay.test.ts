import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { log, memoryKit } from '../component/test-kit.js';
import { createHttpApi } from './http/server.js';
import { createRemoteRelay } from './remote-relay.js';
import { within } from './test-kit.js';

const PUSH = { priority: 'high' } as const;
const UNKNOWN_TOKEN = 'ab'.repeat(20);

let close: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of close.reverse()) await c();
  close = [];
});

/** A real HTTP server answering every request with `status`, `type` and `body`. */
async function answering(status: number, type: string, body: string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** This project's relay API on a free port, over an in-memory store. */
async function ourRelay(): Promise<{ url: string; kit: ReturnType<typeof memoryKit> }> {
  const kit = memoryKit();
  const app: FastifyInstance = createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store: kit.store,
    log,
    bodyLimit: 16_384,
    requestTimeoutMs: 1000,
    trustProxy: false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 100, requestsPerAddressPerMinute: 1000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  close.push(
    () => kit.store.close(),
    () => app.close(),
  );
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, kit };
}

const remote = (url: string) => createRemoteRelay({ name: 'partner', url, log });

describe('a remote relay', () => {
  it("takes its own JSON 404 as the token's end, and delivers with a live token", async () => {
    const { url, kit } = await ourRelay();
    expect(await remote(url).push(UNKNOWN_TOKEN, PUSH)).toBe('gone');
    const account = (await kit.service.login('alice', 'a long password', undefined)) as {
      account: Parameters<typeof kit.service.addDevice>[0];
    };
    await kit.service.addDevice(account.account, 'apns', { registrationId: 'cd'.repeat(32) });
    const { token } = within(await kit.service.createToken(account.account, 'partner'));
    expect(await remote(url).push(token, PUSH)).toBe('queued');
  });

  it("takes our relay's 503 for a device whose app it lacks as a passing trouble", async () => {
    const { url, kit } = await ourRelay();
    const login = await kit.service.login('bob', 'a long password', undefined);
    if (typeof login === 'string') throw new Error(login);
    const device = { registrationId: 'ef'.repeat(32), app: 'removed-app' };
    await kit.service.addDevice(login.account, 'apns', device);
    const { token } = within(await kit.service.createToken(login.account, 'partner'));
    const res = await fetch(`${url}/api/v1/messages/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect([res.status, res.headers.get('retry-after'), await res.json()]).toEqual([
      503,
      '60',
      { detail: 'Cannot deliver now; try again later.' },
    ]);
    expect(await remote(url).push(token, PUSH)).toEqual({
      unavailable: "relay 'partner' cannot take the push now; try later",
    });
  });

  it.each([
    ['an HTML 404 (a proxy or maintenance page)', 404, 'text/html', '<h1>Not Found</h1>'],
    ['a plain-text 404', 404, 'text/plain', 'Not Found'],
    ['a JSON 404 that is not the relay API shape', 404, 'application/json', '[1,2]'],
    ['an HTML 403 from a proxy', 403, 'text/html', '<h1>Forbidden</h1>'],
    ['a 502 from a proxy', 502, 'text/html', '<h1>Bad Gateway</h1>'],
  ])(
    'takes %s as a passing trouble: unavailable, never gone',
    async (_what, status, type, body) => {
      const outcome = await remote(await answering(status, type, body)).push(UNKNOWN_TOKEN, PUSH);
      expect(outcome).toEqual({
        unavailable: "relay 'partner' cannot take the push now; try later",
      });
    },
  );

  it('takes its JSON 401/403 as a refusal of access, and remembers it', async () => {
    const r = remote(await answering(403, 'application/json', '{"detail":"Banned."}'));
    expect(await r.push(UNKNOWN_TOKEN, PUSH)).toEqual({
      undeliverable: "relay 'partner' refused the push (403): Banned.",
      cause: 'access',
    });
    expect(r.refusal()).toMatchObject({ status: 403, detail: 'Banned.' });
  });

  it('takes its JSON 400 (field errors) as a dead token', async () => {
    const body = '{"token":["not a whitelist token (40 hex digits)"]}';
    const r = remote(await answering(400, 'application/json', body));
    expect(await r.push('x', PUSH)).toEqual({
      undeliverable:
        "relay 'partner' refused the push (400): token: not a whitelist token (40 hex digits)",
      cause: 'target',
    });
    expect(r.refusal()).toBeUndefined();
  });
});
