import type { Logger } from '../lib/log.js';
import type { ConfigSuspect } from '../relay/config-suspects.js';
import type { Quotas } from '../relay/quotas.js';
import type { RelayService } from '../relay/service.js';
import type { Targets } from '../relay/targets.js';
import type { TokenPush } from '../relay/token-push.js';
import type { Limiter, Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import { type Connection, createConnection } from './connection.js';
import { diagnosticCommands, statusLines } from './diagnostic-commands.js';
import { discoRoutes } from './disco.js';
import { registerRoutes } from './iq-router.js';
import { type PublishOutcome, publishRoute } from './publish.js';
import { registerCommands } from './register-commands.js';
import { createRegistrar } from './registrar.js';
import { relayProtocolRoutes } from './relay-protocol.js';
import { removeAccessNotifier } from './remove-access.js';
import { tigaseCommands } from './tigase-commands.js';
import { createTokenCollector } from './token-collector.js';
import { tokenCommand } from './token-command.js';

export interface PushComponentOptions {
  jid: string;
  secret: string;
  server: string;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  maxStanzaBytes: number;
  /** IQs in flight at most before the component stops reading its socket. */
  maxInFlight: number;
  push: { includeSender: boolean; includeBody: boolean; priority: 'high' | 'low' };
  store: Store;
  /** The relay in this process. */
  service: RelayService;
  /** Pushes with whitelist tokens (the same limits as the HTTP API's). */
  tokenPush: TokenPush;
  /** Where registrations and collected tokens push to. */
  targets: Targets;
  /** Relay names a registration may name: `local` and the `[[relays]]`. */
  relayNames: readonly string[];
  /** The `[[relays]]`: name → base URL. */
  remotes: ReadonlyMap<string, string>;
  /** The per-token push limit, shared with the HTTP API. */
  perToken: Limiter;
  /** What one user may hold and how fast they may use what costs everybody. */
  quotas: Quotas;
  log: Logger;
  /** Bare JIDs that may run the admin commands. */
  admins: readonly string[];
  /** XMPP JIDs of the `[[relays]]` that have one → their names (for collected tokens). */
  relayJids: ReadonlyMap<string, string>;
  /** Public HTTP base URL of the relay API, handed out with tokens. */
  api?: string;
  onPublish?: (outcome: PublishOutcome) => void;
  /** Apps whose configuration looks wrong (the delivery worker's view), for admin-status. */
  configSuspects?: () => ConfigSuspect[];
}

/** The XEP-0114 component: a XEP-0357 app server with ad-hoc registration. */
export function createPushComponent(o: PushComponentOptions): Connection {
  const log = o.log.child({ part: 'component' });
  const started = Date.now();
  const connection = createConnection({ ...o, log });
  const { service } = o;
  const registrar = createRegistrar({
    store: o.store,
    service,
    tokenPush: o.tokenPush,
    quotas: o.quotas,
    log,
  });
  const collector = createTokenCollector({
    xmpp: connection.xmpp,
    store: o.store,
    service,
    quotas: o.quotas,
    relaysByJid: new Map([[o.jid, 'local'], ...o.relayJids]),
    log,
  });
  const notify = removeAccessNotifier({ xmpp: connection.xmpp, jid: o.jid, store: o.store, log });
  service.onRetired((retired) => {
    notify(retired).catch((err: unknown) =>
      log.warn({ reason: (err as Error).message }, 'could not tell the server that push ended'),
    );
  });
  // Available presence sent to the component: a chance to collect the user's tokens.
  connection.xmpp.middleware.use((ctx, next) => {
    const { name, attrs } = ctx.stanza;
    if (name === 'presence' && !attrs.type && attrs.from) void collector.collect(attrs.from);
    return next();
  });
  const adhoc = adhocRoute(
    [
      ...registerCommands({
        registrar,
        apps: service.apps,
        relays: o.relayNames,
        jid: o.jid,
        onRegistered: (from) => void collector.collect(from),
      }),
      ...(service.apps.list.some((a) => a.tigaseProviders.length > 0)
        ? tigaseCommands({
            registrar,
            apps: service.apps,
            onRegistered: (from) => void collector.collect(from),
          })
        : []),
      tokenCommand(service),
      ...diagnosticCommands({
        store: o.store,
        targets: o.targets,
        registrar,
        quotas: o.quotas,
        admins: o.admins,
        status: () =>
          statusLines(connection, o.store, service.apps, started, o.configSuspects?.() ?? []),
      }),
    ],
    o.store.sessions,
  );
  const publish = publishRoute({
    store: o.store,
    targets: o.targets,
    service,
    tokenPush: o.tokenPush,
    perToken: o.perToken,
    remotes: o.remotes,
    push: o.push,
    log,
    onOutcome: o.onPublish,
  });
  const relayProtocol = relayProtocolRoutes({
    jid: o.jid,
    service,
    tokenPush: o.tokenPush,
    api: o.api,
  });
  const routes = [publish, adhoc.route, ...relayProtocol];
  registerRoutes(
    connection.xmpp,
    [
      ...routes,
      ...discoRoutes({
        jid: o.jid,
        routes,
        commands: adhoc.visible,
        // Siskin looks for the provider it registers with among the app server's features.
        features: service.apps.list.flatMap((a) => a.tigaseProviders),
      }),
    ],
    { log, maxStanzaBytes: o.maxStanzaBytes, maxInFlight: o.maxInFlight },
  );
  return connection;
}
