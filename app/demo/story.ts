// The demo's story: phones of two client families register for push, their users go offline,
// a message becomes a push.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connectClient, type TestClient } from '../../harness/servers/xmpp-client.js';
import type { Cleanup } from './cleanup.js';
import type { Say } from './say.js';
import { APNS_TOPIC, type Demo, SISKIN_TOPIC, type User } from './setup.js';
import { type Enable, registerP2, registerSiskin } from './ways-in.js';

const PUSH_TIMEOUT_MS = 15_000;

interface Chapter {
  user: User;
  phone: string;
  /** The client family and its way of registering, as the chapter's title names it. */
  family: string;
  provider: 'apns' | 'fcm';
  /** The APNs topic the push must go out with, and the config's app it belongs to. */
  topic?: string;
  app?: string;
  token: string;
  message: string;
  register(client: TestClient): Promise<Enable>;
}

export interface Latencies {
  apns: number;
  fcm: number;
  siskin: number;
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

  /** Waits for the chapter's push at its sink; returns the topic it went out with, if APNs. */
  async function pushArrived(o: Chapter): Promise<string | undefined> {
    if (o.provider === 'fcm') {
      await demo.sinks.fcm.waitFor((s) => s.deviceToken === o.token, PUSH_TIMEOUT_MS);
      return undefined;
    }
    const [push] = await demo.sinks.apns.waitFor((r) => r.deviceToken === o.token, PUSH_TIMEOUT_MS);
    const topic = push?.headers['apns-topic'];
    if (topic !== o.topic) {
      throw new Error(`the APNs push went out with topic ${topic}, not ${o.topic}`);
    }
    return topic;
  }

  async function chapter(o: Chapter): Promise<number> {
    const name = o.provider === 'apns' ? 'APNs' : 'FCM';
    say();
    say(`${name}, ${o.family}: ${o.user}'s ${o.phone} registers, then goes offline`);
    const client = await connect(o.user);
    say(`✓ ${o.user} logged in to Prosody`);

    signal.throwIfAborted();
    const enable = await o.register(client);

    signal.throwIfAborted();
    await client.enablePush(enable);
    if (enable.secret === undefined) {
      say(`✓ ${o.user} enabled push on Prosody (XEP-0357) with that node alone`);
      say('  (no secret, no publish-options)');
    } else {
      say(`✓ ${o.user} enabled push on Prosody (XEP-0357) with that node and secret`);
    }
    await client.stop();
    say(`✓ ${o.user} went offline`);

    signal.throwIfAborted();
    const sent = performance.now();
    await juliet.sendMessage(`${o.user}@localhost`, o.message);
    say(`✓ juliet sent ${o.user} a message; ${o.user} is offline, so Prosody asks ${enable.jid}`);
    say('  for a push (XEP-0357 publish)');
    const topic = await pushArrived(o);
    const ms = Math.round(performance.now() - sent);
    demo.sinks.flush();
    say(`✓ The ${name} sink received the push ${ms} ms after juliet sent her message`);
    if (topic) say(`  with topic ${topic}: ${o.app}`);
    return ms;
  }

  const p2 = "Conversations' p2 commands";
  const romeo = { user: 'romeo', phone: 'iPhone', token: fakeToken('apns') } as const;
  const apns = await chapter({
    ...romeo,
    family: p2,
    provider: 'apns',
    topic: APNS_TOPIC,
    app: "the app of the config's [apns] section",
    message: 'Wherefore art thou, Romeo?',
    register: (c) => registerP2(c, say, { ...romeo, provider: 'apns' }),
  });
  const mercutio = { user: 'mercutio', phone: 'Android phone', token: fakeToken('fcm') } as const;
  const fcm = await chapter({
    ...mercutio,
    family: p2,
    provider: 'fcm',
    message: 'Mercutio, have you seen Romeo?',
    register: (c) => registerP2(c, say, { ...mercutio, provider: 'fcm' }),
  });
  const benvolio = { user: 'benvolio', phone: 'iPhone', token: fakeToken('apns') } as const;
  const voipToken = fakeToken('apns');
  const siskin = await chapter({
    ...benvolio,
    family: "Siskin IM's way (Tigase family)",
    provider: 'apns',
    topic: SISKIN_TOPIC,
    app: 'the config\'s Siskin IM app ([[apps]] name = "siskin")',
    message: 'Benvolio, where is Romeo?',
    register: (c) => registerSiskin(c, say, { ...benvolio, voipToken }),
  });
  await juliet.stop();
  say();
  say('The pushes carry no sender and no text: the message itself stays on the XMPP server');
  say('([push] include_sender and include_body are off by default).');
  return { apns, fcm, siskin };
}
