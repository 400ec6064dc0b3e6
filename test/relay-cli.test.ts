// The relay client commands of `xmpp-push-relay`, run as an admin would, against a real relay.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RelayWorld, startWorld } from './world.js';

const BIN = new URL('../bin/xmpp-push-relay.js', import.meta.url).pathname;
const run = promisify(execFile);

describe('xmpp-push-relay relay client commands', () => {
  let w: RelayWorld;

  async function cli(...args: string[]) {
    try {
      const { stdout } = await run(process.execPath, [BIN, ...args, '--relay', w.stack.httpUrl]);
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code: number; stderr: string };
      return { code: e.code, out: e.stderr };
    }
  }
  const json = async (...args: string[]) => {
    const r = await cli(...args, '--json');
    expect(r.code).toBe(0);
    return JSON.parse(r.out);
  };

  beforeAll(async () => {
    w = await startWorld({ server: false });
  });
  afterAll(() => w?.stop());

  it('creates an account, adds a device, makes a token and pushes through it', async () => {
    const account = await json(
      'account',
      'create',
      '--username',
      'zoe',
      '--password',
      'a long password',
    );
    const key = account.apiKey;
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    const deviceToken = '2e'.repeat(32);
    const device = await json(
      'device',
      'add',
      '--key',
      key,
      '--provider',
      'apns',
      '--token',
      deviceToken,
    );
    const token = await json(
      'token',
      'create',
      '--key',
      key,
      '--device',
      String(device.id),
      '--name',
      'friend',
    );
    const human = await cli('push', '--token', token.token, '--data', 'ping');
    expect(human.code).toBe(0);
    const [push] = await w.apns.waitFor((r) => r.deviceToken === deviceToken);
    expect(push?.payload).toMatchObject({ data: 'ping' });

    const listed = await cli('token', 'list', '--key', key);
    expect(listed.out).toContain('friend');
    expect(listed.out).not.toContain(token.token);
    expect((await cli('token', 'revoke', '--key', key, token.token)).code).toBe(0);
    const refused = await cli('push', '--token', token.token);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/does not know this token/);
  });

  it('explains a wrong API key in one sentence and exits 1', async () => {
    const r = await cli('device', 'list', '--key', '00'.repeat(20), '--provider', 'apns');
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('00'.repeat(20));
  });
});
