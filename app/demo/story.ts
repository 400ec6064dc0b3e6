// The demo's story: a phone registers for push, its user goes offline, a message becomes a push.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  connectClient,
  type Element,
  NS_DATA,
  type TestClient,
} from '../../harness/servers/xmpp-client.js';
import type { Cleanup } from './cleanup.js';
import { type Say, short } from './say.js';
import { COMPONENT_JID, type Demo, type User } from './setup.js';

const PUSH_TIMEOUT_MS = 15_000;

interface Chapter {
  user: User;
  provider: 'apns' | 'fcm';
  phone: string;
  token: string;
  message: string;
}

export interface Latencies {
  apns: number;
  fcm: number;
}

function formFields(command: Element): Record<string, string | undefined> {
  const fields = command.getChild('x', NS_DATA)?.getChildren('field') ?? [];
  return Object.fromEntries(fields.map((f) => [f.attrs.var, f.getChildText('value') ?? undefined]));
}

/** Made-up device tokens shaped like real ones (APNs: 32 bytes hex; FCM: id:APA91b…). */
function fakeToken(provider: 'apns' | 'fcm'): string {
  if (provider === 'apns') return randomBytes(32).toString('hex');
  return `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(96).toString('base64url')}`;
}

export async function playStory(
  demo: Demo,
  cleanup: Cleanup,
  say: Say,
  signal: AbortSignal,
): Promise<Latencies> {
  const clients: TestClient[] = [];
  cleanup.add('log the story clients out', () => Promise.all(clients.map((c) => c.stop())));
  const connect = async (user: User) => {
    signal.throwIfAborted();
    const c = await connectClient({
      port: demo.prosody.c2sPort,
      username: user,
      password: demo.passwords[user],
      resource: 'demo',
    });
    clients.push(c);
    return c;
  };

  const juliet = await connect('juliet');

  async function chapter(o: Chapter): Promise<number> {
    const name = o.provider === 'apns' ? 'APNs' : 'FCM';
    say();
    say(`${name}: ${o.user}'s ${o.phone} registers for push, then ${o.user} goes offline`);
    const client = await connect(o.user);
    say(`✓ ${o.user} logged in to Prosody`);

    signal.throwIfAborted();
    const node = `register-push-${o.provider}`;
    const command = await client.executeCommand(COMPONENT_JID, node, {
      token: o.token,
      'device-id': `${o.user}-${o.phone.toLowerCase().replace(/\W+/g, '-')}`,
    });
    const fields = formFields(command);
    if (command.attrs.status !== 'completed' || !fields.node || !fields.secret) {
      throw new Error(`${node} did not complete (status ${command.attrs.status})`);
    }
    say(`✓ ${o.user}'s ${o.phone} registered with the ad-hoc command ${node}`);
    say(`  (made-up ${name} device token ${short(o.token)}); ${COMPONENT_JID} answered with`);
    say(`  node ${short(fields.node)} and a secret`);

    signal.throwIfAborted();
    await client.enablePush({
      jid: fields.jid ?? COMPONENT_JID,
      node: fields.node,
      secret: fields.secret,
    });
    say(`✓ ${o.user} enabled push on Prosody (XEP-0357) with that node and secret`);
    await client.stop();
    say(`✓ ${o.user} went offline`);

    signal.throwIfAborted();
    const sent = performance.now();
    await juliet.sendMessage(`${o.user}@localhost`, o.message);
    say(
      `✓ juliet sent ${o.user} a message; ${o.user} is offline, so Prosody asks ${COMPONENT_JID}`,
    );
    say('  for a push (XEP-0357 publish)');
    if (o.provider === 'apns') {
      await demo.sinks.apns.waitFor((r) => r.deviceToken === o.token, PUSH_TIMEOUT_MS);
    } else {
      await demo.sinks.fcm.waitFor((s) => s.deviceToken === o.token, PUSH_TIMEOUT_MS);
    }
    const ms = Math.round(performance.now() - sent);
    demo.sinks.flush();
    say(`✓ The ${name} sink received the push ${ms} ms after juliet sent her message`);
    return ms;
  }

  const apns = await chapter({
    user: 'romeo',
    provider: 'apns',
    phone: 'iPhone',
    token: fakeToken('apns'),
    message: 'Wherefore art thou, Romeo?',
  });
  const fcm = await chapter({
    user: 'mercutio',
    provider: 'fcm',
    phone: 'Android phone',
    token: fakeToken('fcm'),
    message: 'Mercutio, have you seen Romeo?',
  });
  await juliet.stop();
  say();
  say('The pushes carry no sender and no text: the message itself stays on the XMPP server');
  say('([push] include_sender and include_body are off by default).');
  return { apns, fcm };
}
