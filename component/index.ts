import type { Logger } from '../app/log.js';
import type { Relay } from '../relay/relay.js';
import type { Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import { type Connection, createConnection } from './connection.js';
import { diagnosticCommands, statusLines } from './diagnostic-commands.js';
import { discoRoutes } from './disco.js';
import { registerRoutes } from './iq-router.js';
import { type PublishOutcome, publishRoute } from './publish.js';
import { registerCommands } from './register-commands.js';
import { createRegistrar } from './registrar.js';
import { relayProtocolRoutes } from './relay-protocol.js';
import { createTokenCollector } from './token-collector.js';
import { tokenCommand } from './token-command.js';

export interface PushComponentOptions {
  jid: string;
  secret: string;
  server: string;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  maxStanzaBytes: number;
  push: { includeSender: boolean; includeBody: boolean; priority: 'high' | 'low' };
  store: Store;
  /** Relays by name; `local` is the one in this process. */
  relays: ReadonlyMap<string, Relay>;
  log: Logger;
  /** Bare JIDs that may run the admin commands. */
  admins: readonly string[];
  /** XMPP JIDs of the `[[relays]]` that have one → their names (for collected tokens). */
  relayJids: ReadonlyMap<string, string>;
  /** Public HTTP base URL of the relay API, handed out with tokens. */
  api?: string;
  limits: { messagesPerTokenPerMinute: number; missesPerSenderPerMinute: number };
  onPublish?: (outcome: PublishOutcome) => void;
}

/** The XEP-0114 component: a XEP-0357 app server with ad-hoc registration. */
export function createPushComponent(o: PushComponentOptions): Connection {
  const log = o.log.child({ part: 'component' });
  const started = Date.now();
  const connection = createConnection({ ...o, log });
  const local = o.relays.get('local');
  if (!local) throw new Error('the local relay is required');
  const registrar = createRegistrar({ store: o.store, relays: o.relays, log });
  const collector = createTokenCollector({
    xmpp: connection.xmpp,
    store: o.store,
    relaysByJid: new Map([[o.jid, 'local'], ...o.relayJids]),
    log,
  });
  // Available presence sent to the component: a chance to collect the user's tokens.
  connection.xmpp.middleware.use((ctx, next) => {
    const { name, attrs } = ctx.stanza;
    if (name === 'presence' && !attrs.type && attrs.from) void collector.collect(attrs.from);
    return next();
  });
  const adhoc = adhocRoute([
    ...registerCommands({
      registrar,
      providers: local.providers,
      relays: [...o.relays.keys()],
      jid: o.jid,
      onRegistered: (from) => void collector.collect(from),
    }),
    tokenCommand(local),
    ...diagnosticCommands({
      store: o.store,
      relays: o.relays,
      registrar,
      admins: o.admins,
      status: () => statusLines(connection, o.store, local.providers, started),
    }),
  ]);
  const publish = publishRoute({
    store: o.store,
    relays: o.relays,
    push: o.push,
    log,
    onOutcome: o.onPublish,
  });
  const limiter = (name: string, points: number) =>
    o.store.limiter({ name, points, durationS: 60 });
  const relayProtocol = relayProtocolRoutes({
    jid: o.jid,
    local,
    api: o.api,
    perToken: limiter('token', o.limits.messagesPerTokenPerMinute),
    perSender: limiter('xmpp-misses', o.limits.missesPerSenderPerMinute),
  });
  const routes = [publish, adhoc.route, ...relayProtocol];
  registerRoutes(
    connection.xmpp,
    [...routes, ...discoRoutes({ jid: o.jid, routes, commands: adhoc.visible })],
    { log, maxStanzaBytes: o.maxStanzaBytes },
  );
  return connection;
}
