// Anyone can send a user a 70 KB message while they are offline; Prosody and ejabberd, told to
// include the body, publish it whole. The relay must push it cut, never refuse it with an
// error that would make the server switch the user's push off.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { formValues, startWorld, type World } from './world.js';

const SECRET = 'component-secret';
const servers: Array<[string, () => Promise<XmppServer>]> = [
  ['Prosody', () => startProsody({ componentSecret: SECRET })],
  ['ejabberd', () => startEjabberd({ componentSecret: SECRET })],
];

describe.each(servers)('a 70 KB message through %s', (_name, startServer) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      users: ['juliet', 'romeo'],
      server: startServer,
      stack: { includeContent: true },
    });
  });
  afterAll(() => w?.stop());

  it('is pushed with its body cut to 1024 bytes, and push stays enabled', async () => {
    const token = 'e5'.repeat(32);
    const romeo = await w.connect('romeo');
    const command = await romeo.executeCommand('push.localhost', 'register-push-apns', {
      token,
      'device-id': 'phone',
    });
    const { node, secret } = formValues(command);
    await romeo.enablePush({ jid: 'push.localhost', node: node as string, secret });
    await romeo.stop();
    await new Promise((r) => setTimeout(r, 500));

    const juliet = await w.connect('juliet');
    const body = `a${'ü€😀'.repeat(7_800)}`; // 70 KB of UTF-8, none of it ASCII after the first
    expect(Buffer.byteLength(body)).toBeGreaterThan(70_000);
    const seen = w.stack.publishes.length;
    await juliet.sendMessage('romeo@localhost', body);
    expect((await w.stack.waitPublishes(seen + 1)).slice(seen)).toEqual(['queued']);
    const [push] = await w.apns.waitFor((r) => r.deviceToken === token, 15_000);
    if (!push) throw new Error('no push reached APNs');
    const alert = (push.payload as { aps: { alert: { body: string } } }).aps.alert;
    expect(Buffer.byteLength(alert.body)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(alert.body)).toBeGreaterThan(1000);
    expect(body.startsWith(alert.body)).toBe(true);

    await juliet.sendMessage('romeo@localhost', 'still there?');
    const [next] = (await w.stack.waitPublishes(seen + 2)).slice(seen + 1);
    expect(['queued', 'coalesced']).toContain(next);
  });
});
