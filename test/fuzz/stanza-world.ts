// The whole component as the process wires it (createPushComponent over the relay and a real
// SQLite store in a temp dir), fed stanzas as its XMPP link hands them over, with what it sends
// captured instead of written to a socket. Seeded with one user's registrations and a token, so
// that generated stanzas can name real nodes, secrets and sessions.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Element } from '@xmpp/component';
import Database from 'better-sqlite3';
import { createPushComponent } from '../../component/index.js';
import { NS_COMMANDS } from '../../component/ns.js';
import { createRegistrar } from '../../component/registrar.js';
import { log, memoryKit, relayOver } from '../../component/test-kit.js';
import { createApps } from '../../relay/apps.js';
import { createHttpApi } from '../../relay/http/server.js';
import { DEFAULT_QUOTAS, type QuotaLimits } from '../../relay/quotas.js';
import { testApp, within } from '../../relay/test-kit.js';
import { openSqliteStore } from '../../store/sqlite/index.js';

export const COMPONENT = 'push.localhost';
export const USER = 'romeo@localhost/phone';
export const ADMIN = 'admin@localhost/desk';
export const TIGASE_PROVIDER = 'tigase:messenger:apns:1';
export const APNS_TOKEN = 'ab'.repeat(32);
export const FCM_TOKEN = 'fcm-token_0123456789:abcdef';

/** What the seeding left for stanzas to name. */
export interface Seed {
  node: string;
  secret: string;
  /** A Tigase registration: the node alone is the credential. */
  tigaseNode: string;
  /** A whitelist token of this relay for the user's devices. */
  token: string;
  /** The messages URL of the configured remote relay `other`, and a token it knows. */
  remoteEndpoint: string;
  remoteToken: string;
}

export interface StanzaWorld {
  seed: Seed;
  /** How the peer answers the IQs the component sends (the token collector's); set per run. */
  peer: (request: Element) => Element | undefined;
  /** Session ids the component handed out in command replies, for later stanzas to reuse. */
  sessions: string[];
  /** Hands `stanza` to the component as its link would; resolves with what it sent meanwhile. */
  deliver(stanza: Element, expectReply: boolean): Promise<Element[]>;
  /** Rows per table of the store, read through a separate connection to its file. */
  rows(): Record<string, number>;
  /** Changes whenever the store commits a write (SQLite's data_version, seen from outside). */
  version(): number;
  /** Errors the entity emitted (a handler or a send that failed). */
  errors: unknown[];
  close(): Promise<void>;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function stanzaWorld(): Promise<StanzaWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-stanzas-'));
  const store = openSqliteStore(dir);
  const apps = createApps([
    testApp('apns', 'apns'),
    testApp('fcm', 'fcm'),
    testApp('siskin', 'apns', { isDefault: false, voip: true, tigaseProviders: [TIGASE_PROVIDER] }),
    testApp('monal', 'apns', {
      isDefault: false,
      stateless: true,
      pushModule: 'monalProdiOS',
      environments: ['production', 'sandbox'],
    }),
  ]);
  const remote = await remoteRelay();
  const unlimited = { ...DEFAULT_QUOTAS };
  for (const k of Object.keys(unlimited) as (keyof QuotaLimits)[]) unlimited[k] = 1e6;
  // Limits out of reach: a locked-out sender would answer every later stanza the same way.
  const kit = relayOver(store, {
    apps,
    remotes: [{ name: 'other', url: remote.url }],
    limits: { perTokenPerMinute: 1e6, perAccountPerMinute: 1e6, missesPerMinute: 1e6 },
    quotas: unlimited,
  });
  const connection = createPushComponent({
    jid: COMPONENT,
    secret: 'unused',
    server: '127.0.0.1:9',
    reconnectInitialMs: 1000,
    reconnectMaxMs: 1000,
    maxStanzaBytes: 65536,
    maxInFlight: 100,
    push: { includeSender: true, includeBody: true, priority: 'high' },
    store,
    service: kit.service,
    tokenPush: kit.tokenPush,
    targets: kit.targets,
    relayNames: kit.names,
    remotes: kit.remoteUrls,
    perToken: kit.limits.perToken,
    quotas: kit.quotas,
    log,
    admins: ['admin@localhost'],
    relayJids: new Map([['relay.example.org', 'other']]),
    api: 'https://relay.localhost/',
  });
  const { xmpp } = connection;
  const errors: unknown[] = [];
  xmpp.on('error', (err) => errors.push(err));

  const sent: Element[] = [];
  const sessions: string[] = [];
  // The link's send, as @xmpp/component's Component.send: stamp `from`, then write.
  let replied = () => {};
  xmpp.send = async (el: Element) => {
    el.attrs.from ??= COMPONENT;
    sent.push(el);
    if (isReply(el)) replied();
    const sessionid = el.getChild('command', NS_COMMANDS)?.attrs.sessionid;
    if (typeof sessionid === 'string') sessions.push(sessionid);
    if (el.name === 'iq' && (el.attrs.type === 'get' || el.attrs.type === 'set')) {
      const reply = world.peer(el);
      if (reply) setImmediate(() => xmpp._onElement(reply));
    }
  };

  const registrar = createRegistrar({ ...kit, log });
  const registered = within(
    await registrar.register({
      jid: 'romeo@localhost',
      deviceId: 'phone',
      provider: 'apns',
      deviceToken: APNS_TOKEN,
    }),
  );
  const tigase = within(
    await registrar.register({
      jid: 'romeo@localhost',
      deviceId: 'tablet',
      provider: 'fcm',
      deviceToken: FCM_TOKEN,
      secret: false,
    }),
  );
  const issued = within(await kit.service.issueXmppToken('romeo@localhost', 'fuzz'));
  if ('refused' in registered || 'refused' in tigase || !registered.secret || !issued) {
    throw new Error('seeding failed');
  }

  const reader = new Database(join(dir, 'relay.sqlite'), { readonly: true });
  const tables = (
    reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  const dataVersion = reader.prepare('PRAGMA data_version').pluck();
  const counts = tables.map(
    (t) => [t, reader.prepare(`SELECT count(*) AS n FROM "${t}"`)] as const,
  );

  const world: StanzaWorld = {
    peer: () => undefined,
    seed: {
      node: registered.node,
      secret: registered.secret,
      tigaseNode: tigase.node,
      token: issued.token,
      remoteEndpoint: `${remote.url}api/v1/messages/`,
      remoteToken: remote.token,
    },
    sessions,
    errors,
    async deliver(stanza, expectReply) {
      sent.length = 0;
      // Until the reply is out (a publish to the remote relay goes over HTTP; 10 s at most),
      // then until nothing has been sent for a few turns of the event loop.
      const reply = new Promise<void>((resolve) => {
        replied = resolve;
      });
      xmpp._onElement(stanza);
      if (expectReply && !sent.some(isReply)) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([reply, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
      }
      for (let quiet = 0, seen = sent.length; quiet < 2; ) {
        await tick();
        if (sent.length === seen) quiet++;
        else [quiet, seen] = [0, sent.length];
      }
      return [...sent];
    },
    version() {
      return dataVersion.get() as number;
    },
    rows() {
      return Object.fromEntries(counts.map(([t, q]) => [t, (q.get() as { n: number }).n] as const));
    },
    async close() {
      await connection.stop();
      await remote.close();
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Another operator's relay (ours, over an in-memory store) on a loopback port, with a token. */
async function remoteRelay() {
  const kit = memoryKit();
  const http = createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store: kit.store,
    log,
    bodyLimit: 16_384,
    requestTimeoutMs: 5000,
    trustProxy: false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 1e6, requestsPerAddressPerMinute: 1e6 },
  });
  const login = await kit.service.login('remote', 'a long password');
  if (typeof login === 'string') throw new Error(login);
  await kit.service.addDevice(login.account, 'apns', { registrationId: APNS_TOKEN });
  const { token } = within(await kit.service.createToken(login.account, 'fuzz'));
  await http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    async close() {
      await http.close();
      await kit.store.close();
    },
  };
}

export const isReply = (el: Element) =>
  el.name === 'iq' && (el.attrs.type === 'result' || el.attrs.type === 'error');
