// XEP-0357 §8 "Remote Disabling of Notifications" against real Prosody and ejabberd: when the
// device behind a registration is retired, our component tells the user's server (affiliation
// `none` to the user's bare JID). This records what each server does with that notice: neither
// reads it as such (Prosody 0.12's mod_cloud_notify and ejabberd 23.01's mod_push have no handler
// for it); both take it as a message to an offline user, store it, and publish a push for it,
// which we answer `item-not-found`. ejabberd disables the registration on that answer; Prosody
// counts it as one of its `push_max_errors`.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import type { TestClient } from '../harness/servers/xmpp-client.js';
import { until } from './stack.js';
import { formValues, startWorld, type World } from './world.js';

const SECRET = 'component-secret';
const servers: Array<[string, () => Promise<XmppServer>, string[]]> = [
  // push_max_errors 3: the notice's publish is the first error, the next message's the second.
  ['Prosody', () => startProsody({ componentSecret: SECRET, pushMaxErrors: 3 }), ['gone']],
  ['ejabberd', () => startEjabberd({ componentSecret: SECRET }), []],
];

describe.each(servers)('the remove-access notice with %s', (_name, startServer, afterwards) => {
  let w: World;
  let juliet: TestClient;

  beforeAll(async () => {
    w = await startWorld({ users: ['juliet', 'tybalt'], server: startServer });
    juliet = await w.connect('juliet');
  });
  afterAll(() => w?.stop());

  it('reaches the server when APNs retires the device; the server publishes once more for it', async () => {
    const token = 'd4'.repeat(32);
    w.apns.setResponse(token, { status: 410, reason: 'Unregistered' });
    const tybalt = await w.connect('tybalt');
    const command = await tybalt.executeCommand('push.localhost', 'register-push-apns', {
      token,
      'device-id': 'phone',
    });
    const { node, secret } = formValues(command);
    await tybalt.enablePush({ jid: 'push.localhost', node: node as string, secret });
    await tybalt.stop();
    await new Promise((r) => setTimeout(r, 500));

    const before = w.stack.publishes.length;
    await juliet.sendMessage('tybalt@localhost', 'the device answers 410');
    await w.apns.waitFor((r) => r.deviceToken === token && r.status === 410, 15_000);
    await until(async () =>
      readFileSync(w.stack.logFile, 'utf8').includes("told the user's server that push ended"),
    );
    // The server stores the notice for the offline user and publishes a push for it.
    await w.stack.waitPublishes(before + 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.stack.publishes.slice(before)).toEqual(['queued', 'gone']);

    const seen = w.stack.publishes.length;
    await juliet.sendMessage('tybalt@localhost', 'after the notice');
    await new Promise((r) => setTimeout(r, 2000));
    expect(w.stack.publishes.slice(seen)).toEqual(afterwards);
    expect(w.apns.requests.filter((r) => r.deviceToken === token)).toHaveLength(1);

    // The user's client gets the notice from offline storage when it logs in again.
    const back = await w.connect('tybalt');
    const notice = await back.waitForMessage((m) => m.getChild('pubsub') !== undefined);
    expect(notice.attrs.from).toBe('push.localhost');
    expect(notice.getChild('pubsub')?.attrs.node).toBe(node);
    expect(notice.getChild('pubsub')?.getChild('affiliation')?.attrs).toEqual({
      jid: 'tybalt@localhost',
      affiliation: 'none',
    });
  });
});
