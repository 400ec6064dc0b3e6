// The relay client's CLI against a real local HTTP server: human and --json output, exit codes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runClientCommand } from './cli.js';
import { type FakeRelay, startFakeRelay } from './test-server.js';

let fake: FakeRelay;
let relay: string[];
beforeAll(async () => {
  fake = await startFakeRelay();
  relay = ['--relay', fake.url];
});
afterAll(() => fake.close());

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClientCommand(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const UNKNOWN = 'The relay does not know this token (it may have expired or been revoked).';

describe('xmpp-push-relay account|device|token|push', () => {
  it('goes from a new account to a push, in plain sentences', async () => {
    const made = await cli(['account', 'create', ...relay, '--username', 'carol'], {
      XMPP_PUSH_RELAY_PASSWORD: 'pw-from-env',
    });
    expect(made).toMatchObject({ code: 0, err: '' });
    expect(made.out).toMatch(
      /^Account carol created \(id \d+\)\. API key: [0-9a-f]{40}\nThe relay shows it only once/,
    );
    const key = /API key: (\w+)/.exec(made.out)?.[1] as string;
    const auth = ['--key', key];

    const added = await cli([
      'device',
      'add',
      ...relay,
      ...auth,
      '--provider',
      'fcm',
      '--token',
      'fcm-token-123456',
      '--name',
      'pixel',
    ]);
    expect(added.out).toMatch(
      /^Device added: fcm device (\d+) "pixel", active, token fcm-toke…, added /,
    );
    const deviceId = /device (\d+)/.exec(added.out)?.[1] as string;

    const listed = await cli(['device', 'list', ...auth], { XMPP_PUSH_RELAY_URL: fake.url });
    expect(listed.out).toMatch(/^fcm device \d+ "pixel"/);
    expect(listed.out).not.toContain('fcm-token-123456');

    const token = await cli([
      'token',
      'create',
      ...relay,
      ...auth,
      '--device',
      deviceId,
      '--provider',
      'fcm',
    ]);
    expect(token.code).toBe(0);
    expect(token.out).toMatch(
      /^Token created: id \d+ for fcm device \d+, created .*, does not expire\.\nToken: [0-9a-f]{40}\nThe relay shows it only once/,
    );
    const secret = /Token: (\w+)/.exec(token.out)?.[1] as string;

    expect(await cli(['token', 'list', ...relay], { XMPP_PUSH_RELAY_KEY: key })).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^id \d+ for fcm device \d+/),
    });
    expect(
      await cli(['push', ...relay, '--token', secret, '--data', 'hi', '--priority', 'low']),
    ).toEqual({
      code: 0,
      out: 'The relay accepted the push.',
      err: '',
    });
    expect(fake.pushes.at(-1)).toEqual({ token: secret, data: 'hi', priority: 'low' });

    expect((await cli(['token', 'revoke', ...relay, ...auth, secret])).out).toBe('Token revoked.');
    expect(await cli(['push', ...relay, '--token', secret])).toEqual({
      code: 1,
      out: '',
      err: UNKNOWN,
    });
    expect(await cli(['token', 'revoke', ...relay, ...auth, secret])).toMatchObject({
      code: 1,
      err: UNKNOWN,
    });
    expect((await cli(['token', 'list', ...relay, ...auth])).out).toBe('No tokens.');

    const removed = await cli([
      'device',
      'remove',
      ...relay,
      ...auth,
      '--provider',
      'fcm',
      '--id',
      deviceId,
    ]);
    expect(removed.out).toBe(`Device ${deviceId} removed.`);
    expect(
      (await cli(['device', 'remove', ...relay, ...auth, '--provider', 'fcm', '--id', deviceId]))
        .err,
    ).toBe('The relay has no such device for this account.');
    const id = /id (\d+)/.exec(made.out)?.[1] as string;
    expect((await cli(['account', 'delete', ...relay, ...auth, '--id', id])).out).toBe(
      `Account ${id} deleted.`,
    );
  });

  it('prints JSON with --json', async () => {
    const made = await cli([
      'account',
      'create',
      ...relay,
      '--username',
      'dave',
      '--password',
      'pw-dave',
      '--json',
    ]);
    const account = JSON.parse(made.out);
    expect(account).toEqual({
      id: expect.any(Number),
      username: 'dave',
      email: '',
      apiKey: expect.any(String),
      created: true,
    });
    const again = await cli([
      'account',
      'create',
      ...relay,
      '--username',
      'dave',
      '--password',
      'pw-dave',
    ]);
    expect(again.out).toMatch(/^Logged in as dave \(id \d+\)\. API key: /);
    const auth = ['--key', account.apiKey, '--json'];
    const device = JSON.parse(
      (
        await cli([
          'device',
          'add',
          ...relay,
          ...auth,
          '--provider',
          'apns',
          '--token',
          'a1b2c3d4e5f6',
        ])
      ).out,
    );
    expect(device).toMatchObject({
      provider: 'apns',
      registrationId: 'a1b2c3d4e5f6',
      active: true,
    });
    expect(
      JSON.parse((await cli(['device', 'list', ...relay, ...auth, '--provider', 'apns'])).out),
    ).toEqual([device]);
    const token = JSON.parse(
      (await cli(['token', 'create', ...relay, ...auth, '--device', String(device.id)])).out,
    );
    expect(token).toMatchObject({
      apnsDevice: device.id,
      gcmDevice: null,
      token: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const pushed = await cli(['push', ...relay, '--token', token.token, '--json']);
    expect(JSON.parse(pushed.out)).toEqual({ detail: 'Message accepted.' });
  });

  it('explains API errors in one sentence and exits 1, without the key', async () => {
    const key = 'e'.repeat(40);
    const refused = await cli(['token', 'list', ...relay, '--key', key]);
    expect(refused).toEqual({
      code: 1,
      out: '',
      err: 'The relay refused the API key (Invalid token).',
    });
    const wrong = await cli([
      'account',
      'create',
      ...relay,
      '--username',
      'dave',
      '--password',
      'nope',
    ]);
    expect(wrong).toMatchObject({ code: 1, err: 'Wrong password for this username.' });
    fake.next({
      status: 429,
      body: { detail: `throttled ${key}` },
      headers: { 'retry-after': '45' },
    });
    expect(await cli(['push', ...relay, '--token', key])).toMatchObject({
      code: 1,
      err: 'Rate limited: retry in 45 s.',
    });
    fake.next({
      status: 400,
      body: { data: ['Ensure this field has no more than 100 characters.'] },
    });
    expect((await cli(['push', ...relay, '--token', key])).err).toBe(
      'The relay refused the request: data: Ensure this field has no more than 100 characters.',
    );
    fake.next({ status: 500, body: `<html>${key}</html>` });
    const broken = await cli([
      'device',
      'add',
      ...relay,
      '--key',
      key,
      '--provider',
      'apns',
      '--token',
      'x',
    ]);
    expect(broken).toMatchObject({ code: 1, err: 'The relay answered 500 (HTTP 500).' });
  });
});
