// What a publish is answered when it cannot simply be queued: the error type decides whether
// the user's server switches their push off (ejabberd on the first non-`wait` error).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createApps } from '../relay/apps.js';
import { testApp } from '../relay/test-kit.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { explainRegistrations } from './explain.js';
import { publishRoute } from './publish.js';
import {
  call,
  log,
  memoryKit,
  publishOver,
  publishXml,
  queued,
  registrarOf,
  relayOver,
} from './test-kit.js';

const USER = 'romeo@localhost';
const SERVER = 'localhost';
const APNS_TOKEN = 'ab'.repeat(32);

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const done of cleanup) await done();
  cleanup = [];
});

function store(): Store {
  const s = openSqliteStore(':memory:');
  cleanup.push(() => s.close());
  return s;
}

/** The summary form as Prosody's mod_cloud_notify sends it with include_body. */
const summary = (sender: string, body: string) => `<x xmlns='jabber:x:data' type='submit'>
  <field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>
  <field var='message-count'><value>1</value></field>
  <field var='last-message-sender'><value>${sender}</value></field>
  <field var='last-message-body'><value>${body}</value></field></x>`;

const encrypted = (bytes: number, type = 'chat') =>
  `<encrypted xmlns='tigase:push:encrypt:0' type='${type}' iv='aXZpdml2aXZpdml2'>${'A'.repeat(bytes)}</encrypted>`;

describe('a publish over max_stanza_bytes', () => {
  it('is accepted with its sender and body cut to fit, never between the halves of a character', async () => {
    const s = store();
    const kit = relayOver(s);
    const { node, secret } = await registrarOf(kit).register({
      jid: USER,
      provider: 'apns',
      deviceToken: APNS_TOKEN,
      deviceId: 'phone',
    });
    const route = publishRoute({
      ...kit,
      perToken: kit.limits.perToken,
      remotes: kit.remoteUrls,
      push: { includeSender: true, includeBody: true, priority: 'high' },
      log,
    });
    // 70 KB: an odd number of ASCII letters first, so a cut by UTF-16 units would split an emoji.
    const body = `a${'😀'.repeat(17_500)}`;
    const sender = `juliet@capulet.example/${'é'.repeat(400)}`;
    const stanza = publishXml(node, secret, summary(sender, body));
    expect(Buffer.byteLength(stanza)).toBeGreaterThan(65_536);
    expect(await call(route, SERVER, stanza, 65_536)).toEqual({ result: undefined });
    const [job] = await queued(s);
    expect(Buffer.byteLength(job.lastBody)).toBeLessThanOrEqual(1024);
    expect(job.lastBody).toBe(`a${'😀'.repeat(255)}`);
    expect(Buffer.byteLength(job.lastSender)).toBeLessThanOrEqual(256);
    expect(job.lastSender.startsWith('juliet@capulet.example/é')).toBe(true);
    expect(job.lastSender).toBe(job.lastSender.toWellFormed());
  });
});

describe('a device whose app this process does not have', () => {
  it('is answered wait (recipient-unavailable), not item-not-found, and nothing is queued', async () => {
    const s = store();
    const { node, secret } = await registrarOf(relayOver(s)).register({
      jid: USER,
      provider: 'apns',
      deviceToken: APNS_TOKEN,
      deviceId: 'phone',
    });
    // The process restarts without its APNs app (removed from [[apps]], or its key missing).
    const without = relayOver(s, { apps: createApps([testApp('fcm', 'fcm')]) });
    expect(await call(publishOver(without), SERVER, publishXml(node, secret))).toEqual({
      error: 'recipient-unavailable',
      type: 'wait',
      text: 'the default APNs app is not configured in this process',
    });
    expect(await queued(s)).toEqual([]);
    const regs = await s.registrations.listByJid(USER);
    expect(await explainRegistrations(USER, regs, [], without.targets)).toEqual([
      "APNs device 'phone': not deliverable from here: the default APNs app is not configured in this process (0 delivered, 0 failed).",
    ]);
  });
});

describe('a device of an environment its app no longer has', () => {
  it('is answered item-not-found at once: that config can never deliver to it', async () => {
    const s = store();
    const both = createApps([
      testApp('siskin', 'apns', { environments: ['production', 'sandbox'] }),
    ]);
    const { node, secret } = await registrarOf(relayOver(s, { apps: both })).register({
      jid: USER,
      provider: 'apns',
      deviceToken: APNS_TOKEN,
      deviceId: 'phone',
      route: { app: 'siskin', environment: 'sandbox' },
    });
    const production = createApps([testApp('siskin', 'apns')]);
    expect(
      await call(publishOver(relayOver(s, { apps: production })), SERVER, publishXml(node, secret)),
    ).toEqual({
      error: 'item-not-found',
      type: 'cancel',
      text: "app 'siskin' no longer delivers to the sandbox environment",
    });
    expect(await queued(s)).toEqual([]);
  });
});

describe('an encrypted payload', () => {
  async function registered(provider: 'apns' | 'fcm') {
    const kit = memoryKit();
    cleanup.push(() => kit.store.close());
    const deviceToken = provider === 'apns' ? APNS_TOKEN : 'fcm-token-0123456789';
    const reg = await registrarOf(kit).register({
      jid: USER,
      provider,
      deviceToken,
      deviceId: 'p',
    });
    return { kit, ...reg };
  }

  it.each([
    ['APNs', 'apns', 4096],
    ['FCM', 'fcm', 4096],
  ] as const)(
    'too large for %s is refused at publish time (not-acceptable), nothing queued',
    async (name, provider, limit) => {
      const { kit, node, secret } = await registered(provider);
      const reply = await call(publishOver(kit), SERVER, publishXml(node, secret, encrypted(4100)));
      expect(reply).toMatchObject({ error: 'not-acceptable', type: 'modify' });
      expect(reply.text).toMatch(
        new RegExp(
          `^the encrypted payload is too large: the push would take \\d+ bytes at ${name}, over its limit of ${limit}$`,
        ),
      );
      expect(await queued(kit.store)).toEqual([]);
    },
  );

  it('that fits is queued', async () => {
    const { kit, node, secret } = await registered('apns');
    const reply = await call(publishOver(kit), SERVER, publishXml(node, secret, encrypted(3800)));
    expect(reply).toEqual({ result: undefined });
    expect(await queued(kit.store)).toHaveLength(1);
  });
});

describe('a registration through a remote relay', () => {
  /** A real HTTP server answering every request with `status`, `type` and `body`. */
  async function answering(status: number, type: string, body: string) {
    const server = http.createServer((_req, res) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function registeredAt(url: string) {
    const s = store();
    const remotes = [{ name: 'partner', url }];
    const { node, secret } = await registrarOf(relayOver(s, { remotes })).register({
      jid: USER,
      provider: 'relay',
      relay: 'partner',
      token: 'cd'.repeat(20),
      deviceId: 'phone',
    });
    return { s, remotes, node, secret };
  }

  it('that was removed from [[relays]] is answered item-not-found at once', async () => {
    const { s, node, secret } = await registeredAt(await answering(202, 'application/json', '{}'));
    expect(await call(publishOver(relayOver(s)), SERVER, publishXml(node, secret))).toEqual({
      error: 'item-not-found',
      type: 'cancel',
      text: "relay 'partner' is no longer configured here",
    });
  });

  it('answering an HTML 404 is answered wait; its own JSON 401 not-authorized', async () => {
    const html = await registeredAt(await answering(404, 'text/html', '<h1>Not Found</h1>'));
    const route = publishOver(relayOver(html.s, { remotes: html.remotes }));
    expect(await call(route, SERVER, publishXml(html.node, html.secret))).toMatchObject({
      error: 'recipient-unavailable',
      type: 'wait',
    });
    const json = await registeredAt(
      await answering(401, 'application/json', '{"detail":"Invalid token."}'),
    );
    const kit = relayOver(json.s, { remotes: json.remotes });
    expect(await call(publishOver(kit), SERVER, publishXml(json.node, json.secret))).toEqual({
      error: 'not-authorized',
      type: 'auth',
      text: "relay 'partner' refused the push (401): Invalid token.",
    });
    const regs = await json.s.registrations.listByJid(USER);
    expect(await explainRegistrations(USER, regs, [], kit.targets)).toEqual([
      "Device 'phone' through relay 'partner': relay 'partner' refused our last push 0 s ago (401: Invalid token.); its operator must let this relay push again.",
    ]);
  });
});

describe('a call for a device whose app has no VoIP topic', () => {
  it('rings the device with a regular push instead of a PushKit push that could never be sent', async () => {
    const s = store();
    const kit = relayOver(s); // the test apps have no voip_topic
    const { node, secret } = await registrarOf(kit).register({
      jid: USER,
      provider: 'apns',
      deviceToken: APNS_TOKEN,
      voipToken: 'cd'.repeat(32),
      deviceId: 'phone',
    });
    const jingle = `<jingle xmlns='tigase:push:jingle:0' sid='c4ll'><media>audio</media></jingle>`;
    expect(await call(publishOver(kit), SERVER, publishXml(node, secret, jingle))).toEqual({
      result: undefined,
    });
    const jobs = await s.queue.claim(10, Date.now() + 1e9, Date.now() + 2e9);
    const devices = await Promise.all(jobs.map((j) => s.devices.get(j.deviceId)));
    expect(devices.map((d) => [d?.deviceToken, d?.voip ?? false])).toEqual([[APNS_TOKEN, false]]);
  });
});
