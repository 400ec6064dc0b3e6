// Two relay processes sharing one Redis: accounts, tokens and rate limits are shared, and each
// queued push is delivered exactly once although both processes run delivery workers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { freePort } from '../harness/servers/ports.js';
import { type RedisServer, startRedis } from '../harness/servers/redis.js';
import { createRelayClient, type RelayClient } from '../relay-client/client.js';
import { until, writeConfig } from './stack.js';

const BIN = new URL('../bin/xmpp-push-relay.js', import.meta.url).pathname;
const DEVICES = 20;

describe('two relay processes on one Redis', () => {
  let redis: RedisServer;
  let apns: FakeApns;
  let fcm: FakeFcm;
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const urls: string[] = [];

  async function startProcess(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'xpr-redis-'));
    dirs.push(dir);
    const port = await freePort();
    const config = writeConfig(
      {
        apns,
        fcm,
        storeUrl: redis.url,
        httpListen: `127.0.0.1:${port}`,
        extraToml: '[relay]\nmisses_per_address_per_minute = 5\n',
      },
      dir,
    );
    const out = openSync(join(dir, 'out.log'), 'a');
    const child = spawn(process.execPath, [BIN, 'relay', '--config', config], {
      stdio: ['ignore', out, out],
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await until(async () => {
      try {
        return (await fetch(`${url}/api/v1/pubsub/`)).status === 404;
      } catch {
        return false;
      }
    }, 20_000);
    return url;
  }

  beforeAll(async () => {
    [redis, apns, fcm] = await Promise.all([startRedis(), startFakeApns(), startFakeFcm()]);
    urls.push(await startProcess(), await startProcess());
  });
  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    if (!process.env.KEEP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await Promise.all([redis?.stop(), apns?.close(), fcm?.close()]);
  });

  it('shares accounts and delivers every push exactly once', async () => {
    const [a, b] = urls as [string, string];
    const account = await createRelayClient({ baseUrl: a }).createAccount({
      username: 'shared',
      password: 'a long password',
    });
    const login = await createRelayClient({ baseUrl: b }).createAccount({
      username: 'shared',
      password: 'a long password',
    });
    expect(login).toMatchObject({ id: account.id, created: false });

    // one account per device: a token wakes every device of its account
    const tokens: Array<[string, string]> = [];
    for (let i = 0; i < DEVICES; i++) {
      const { apiKey } = await createRelayClient({ baseUrl: urls[i % 2] as string }).createAccount({
        username: `user${i}`,
        password: 'a long password',
      });
      const client: RelayClient = createRelayClient({ baseUrl: a, apiKey });
      const deviceToken = i.toString(16).padStart(2, '0').repeat(32);
      const d = await client.addDevice('apns', { registrationId: deviceToken });
      tokens.push([deviceToken, (await client.createToken({ apnsDevice: d.id })).token]);
    }
    // each token is pushed once, half through each process
    await Promise.all(
      tokens.map(([, token], i) =>
        createRelayClient({ baseUrl: urls[i % 2] as string }).sendMessage({ token }),
      ),
    );
    await apns.waitFor(DEVICES, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const delivered = apns.requests.map((r) => r.deviceToken).sort();
    expect(delivered).toEqual(tokens.map(([t]) => t).sort());
    // both delivery workers took part (each logs the pushes it delivered)
    const perProcess = dirs.map(
      (d) => readFileSync(join(d, 'out.log'), 'utf8').split('push delivered').length - 1,
    );
    expect(perProcess.every((n) => n > 0)).toBe(true);
    expect(perProcess.reduce((x, y) => x + y)).toBe(DEVICES);
  });

  it('shares rate limits: misses on one process count on the other', async () => {
    const [a, b] = urls as [string, string];
    const guess = (url: string, i: number) =>
      fetch(`${url}/api/v1/messages/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: `${i}`.padStart(40, 'f') }),
      }).then((r) => r.status);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await guess(a, i), await guess(b, i + 10));
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses[5]).toBe(429);
  });
});
