import type { FastifyInstance } from 'fastify';
import type { Connection } from '../component/connection.js';
import { createPushComponent } from '../component/index.js';
import type { PublishOutcome } from '../component/publish.js';
import { ConfigError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { createDeliveryWorker } from '../relay/delivery.js';
import { createHttpApi } from '../relay/http/server.js';
import { quotaLimits } from '../relay/quotas.js';
import { createRelay, type Relay } from '../relay/relay.js';
import type { RelayService } from '../relay/service.js';
import { startTokenSweep } from '../relay/token-sweep.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { type Config, configWarnings } from './config.js';
import { createMetrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';
import { createSenders } from './providers.js';

export interface Running {
  store: Store;
  service: RelayService;
  /** The relay as the component and the HTTP API use it. */
  relay: Relay;
  http: FastifyInstance;
  /** The XMPP component; absent in `relay` mode. */
  component?: Connection;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** `start`: component + relay (the default); `relay`: the relay and its HTTP API alone. */
  mode?: 'start' | 'relay';
  /** Observes every publish's outcome. */
  onPublish?: (outcome: PublishOutcome) => void;
}

function splitHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/**
 * Wires one process: config → store → providers → delivery → relay (+ HTTP API) → component,
 * and starts it. Resolves once listening; the XMPP link keeps retrying in the background.
 */
export async function start(
  config: Config,
  log: Logger,
  opts: StartOptions = {},
): Promise<Running> {
  const mode = opts.mode ?? 'start';
  if (mode === 'start' && !config.component) {
    throw new ConfigError(['component: required by `start` (run `relay` for the relay alone)']);
  }
  const { apps, senders, connections } = createSenders(config, log);
  for (const warning of configWarnings(config)) log.warn(warning);
  if (senders.size === 0) {
    log.warn('no app is configured ([apns], [fcm] or [[apps]]): nothing can be delivered');
  }
  const store = await openStore({
    ...config.store,
    onError: (err) => log.warn({ reason: err.message }, 'store connection trouble'),
  });
  let component: Connection | undefined;
  const metrics = createMetrics({
    store,
    xmpp: mode === 'start',
    xmppConnected: () => component?.online,
  });
  const delivery = createDeliveryWorker({
    store,
    apps,
    senders,
    onResult: (app, result, job) => metrics.push(app, result, job.createdAt),
    // A dead token may have ended registrations: their users' servers are told (XEP-0357 §8).
    onRetired: (deviceId) => {
      relay.service
        .reportDead(deviceId)
        .catch((err: unknown) => log.warn({ err }, 'could not report a retired device'));
    },
    log: log.child({ part: 'delivery' }),
    maxAttempts: config.push.max_attempts,
    retryInitialMs: config.push.retry_initial_ms,
    retryMaxMs: config.push.retry_max_ms,
    leaseMs: config.push.lease_ms,
  });
  const relay = createRelay({
    store,
    apps,
    tokenTtlMs: config.relay.token_ttl_days * 86_400_000,
    ratePerMinute: config.push.rate_per_minute,
    limits: {
      perTokenPerMinute: config.relay.messages_per_token_per_minute,
      perAccountPerMinute: config.relay.messages_per_account_per_minute,
      missesPerMinute: config.relay.misses_per_address_per_minute,
    },
    remotes: config.relays,
    onEnqueued: () => delivery.wake(),
    handOff: delivery,
    quotas: quotaLimits(config.quotas),
    log,
  });
  const sweep = startTokenSweep({ service: relay.service, log });
  const { service } = relay;
  const http = createHttpApi({
    service,
    tokenPush: relay.tokenPush,
    misses: relay.limits.misses,
    store,
    log: log.child({ part: 'http' }),
    bodyLimit: config.http.body_limit_bytes,
    requestTimeoutMs: config.http.request_timeout_ms,
    trustProxy: config.http.trust_proxy,
    limits: {
      requestsPerAccountPerMinute: config.relay.requests_per_account_per_minute,
      requestsPerAddressPerMinute: config.relay.requests_per_address_per_minute,
    },
    pubsubJid: mode === 'start' ? config.component?.jid : undefined,
  });
  const c = mode === 'start' ? config.component : undefined;
  component =
    c &&
    createPushComponent({
      jid: c.jid,
      secret: c.secret,
      server: c.server,
      reconnectInitialMs: c.reconnect_initial_ms,
      reconnectMaxMs: c.reconnect_max_ms,
      maxStanzaBytes: c.max_stanza_bytes,
      maxInFlight: c.max_in_flight,
      admins: c.admins,
      relayJids: new Map(config.relays.flatMap((r) => (r.jid ? [[r.jid, r.name] as const] : []))),
      api: config.http.public_url,
      push: {
        includeSender: config.push.include_sender,
        includeBody: config.push.include_body,
        priority: config.push.priority,
      },
      store,
      service,
      tokenPush: relay.tokenPush,
      targets: relay.targets,
      relayNames: relay.names,
      remotes: relay.remoteUrls,
      perToken: relay.limits.perToken,
      quotas: relay.quotas,
      configSuspects: delivery.configSuspects,
      log,
      onPublish: (outcome) => {
        metrics.publish(outcome);
        opts.onPublish?.(outcome);
      },
    });
  component?.on('online', () => {
    if (component?.reconnects) metrics.reconnected();
  });
  opsRoutes(http, { store, component, metrics, apps, configSuspects: delivery.configSuspects });

  await http.listen(splitHostPort(config.http.listen));
  log.info({ listen: config.http.listen }, 'relay HTTP API listening');
  delivery.start();
  component?.start();
  return {
    store,
    service,
    relay,
    http,
    component,
    async stop() {
      await sweep.stop();
      await component?.stop();
      await http.close();
      await delivery.stop();
      await Promise.all(connections.map((p) => p.close()));
      await store.close();
    },
  };
}
