import type { Logger } from '../app/log.js';
import type { Relay } from '../relay/relay.js';
import type { Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import { type Connection, createConnection } from './connection.js';
import { discoRoutes } from './disco.js';
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
  onPublish?: (outcome: PublishOutcome) => void;
}

/** The XEP-0114 component: a XEP-0357 app server with ad-hoc registration. */
export function createPushComponent(o: PushComponentOptions): Connection {
  const log = o.log.child({ part: 'component' });
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
