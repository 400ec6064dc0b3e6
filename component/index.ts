import type { Logger } from '../app/log.js';
import type { ProviderName } from '../relay/provider.js';
import type { Relay } from '../relay/relay.js';
import type { Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import { type Connection, createConnection } from './connection.js';
import { diagnosticCommands } from './diagnostic-commands.js';
import { discoRoutes } from './disco.js';
import { ago } from './explain.js';
import { registerRoutes } from './iq-router.js';
import { type PublishOutcome, publishRoute } from './publish.js';
import { registerCommands } from './register-commands.js';
import { createRegistrar } from './registrar.js';
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
  const adhoc = adhocRoute([
    ...registerCommands({
      registrar,
      providers: local.providers,
      relays: [...o.relays.keys()],
      jid: o.jid,
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
  const routes = [publish, adhoc.route];
  registerRoutes(
    connection.xmpp,
    [...routes, ...discoRoutes({ jid: o.jid, routes, commands: adhoc.visible })],
    { log, maxStanzaBytes: o.maxStanzaBytes },
  );
  return connection;
}

async function statusLines(
  connection: Connection,
  store: Store,
  providers: readonly ProviderName[],
  started: number,
): Promise<string[]> {
  const queue = await store.queue.stats(Date.now()).catch(() => undefined);
  return [
    `Running since ${new Date(started).toISOString()} (started ${ago(started)}).`,
    `XMPP link: ${connection.online ? 'connected' : 'not connected'}; reconnected ${connection.reconnects} time(s).`,
    queue
      ? `Store: reachable. Delivery queue: ${queue.depth} push(es), oldest ${Math.round(queue.oldestAgeMs / 1000)} s old.`
      : 'Store: NOT reachable — publishes are answered with wait errors until it is back.',
    `Delivers through: ${providers.length > 0 ? providers.join(', ') : 'nothing ([apns] and [fcm] are not configured)'}.`,
  ];
}
