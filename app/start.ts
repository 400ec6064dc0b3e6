import type { Connection } from '../component/connection.js';
import { createPushComponent } from '../component/index.js';
import type { PublishOutcome } from '../component/publish.js';
import { createDeliveryWorker } from '../relay/delivery.js';
import { createLocalRelay } from '../relay/local-relay.js';
import type { Provider, ProviderName } from '../relay/provider.js';
import type { Relay } from '../relay/relay.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createProviders } from './providers.js';

export interface Running {
  store: Store;
  component: Connection;
  relay: Relay;
  stop(): Promise<void>;
}

/**
 * Wires one process: config → store → providers → delivery → relay → component, and starts
 * it. Resolves once started; the XMPP link keeps retrying in the background.
 */
export interface StartOptions {
  /** Replaces the providers built from `[apns]` and `[fcm]`. */
  providers?: Map<ProviderName, Provider>;
  /** Observes every publish's outcome. */
  onPublish?: (outcome: PublishOutcome) => void;
}

export async function start(
  config: Config,
  log: Logger,
  opts: StartOptions = {},
): Promise<Running> {
  const providers = opts.providers ?? createProviders(config, log);
  if (providers.size === 0) {
    log.warn('neither [apns] nor [fcm] is configured: registrations will be refused');
  }
  const store = openSqliteStore(config.store.path);
  const delivery = createDeliveryWorker({
    store,
    providers,
    log: log.child({ part: 'delivery' }),
    maxAttempts: config.push.max_attempts,
    retryInitialMs: config.push.retry_initial_ms,
    retryMaxMs: config.push.retry_max_ms,
  });
  const relay = createLocalRelay({
    store,
    providers: [...providers.keys()],
    ratePerMinute: config.push.rate_per_minute,
    onEnqueued: () => delivery.wake(),
    log: log.child({ part: 'relay' }),
  });
  const component = createPushComponent({
    jid: config.component.jid,
    secret: config.component.secret,
    server: config.component.server,
    reconnectInitialMs: config.component.reconnect_initial_ms,
    reconnectMaxMs: config.component.reconnect_max_ms,
    maxStanzaBytes: config.component.max_stanza_bytes,
    push: {
      includeSender: config.push.include_sender,
      includeBody: config.push.include_body,
      priority: config.push.priority,
    },
    store,
    relays: new Map([['local', relay]]),
    log,
    onPublish: opts.onPublish,
  });
  delivery.start();
  component.start();
  return {
    store,
    component,
    relay,
    async stop() {
      await component.stop();
      await delivery.stop();
      await Promise.all([...providers.values()].map((p) => p.close()));
      await store.close();
    },
  };
}
