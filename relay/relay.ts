// The push relay as the rest of the process sees it: the service over the store, pushing with
// whitelist tokens under one set of limits, and pushing to registrations' targets.
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/types.js';
import type { Apps } from './apps.js';
import { createQuotas, DEFAULT_QUOTAS, type QuotaLimits, type Quotas } from './quotas.js';
import { createRemoteRelay } from './remote-relay.js';
import { createRelayService, type HandOff, type RelayService } from './service.js';
import { createTargets, type Targets } from './targets.js';
import { createTokenPush, type PushLimits, type TokenPush } from './token-push.js';

export interface RelayOptions {
  store: Store;
  apps: Apps;
  tokenTtlMs: number;
  /** Pushes per device per minute; more coalesce. */
  ratePerMinute: number;
  limits: { perTokenPerMinute: number; perAccountPerMinute: number; missesPerMinute: number };
  /** Other operators' relays (`[[relays]]`), the only ones ever contacted. */
  remotes: ReadonlyArray<{ name: string; url: string }>;
  onEnqueued: () => void;
  handOff?: HandOff;
  /** `[quotas]`; the defaults when absent. */
  quotas?: QuotaLimits;
  log: Logger;
}

export interface Relay {
  service: RelayService;
  tokenPush: TokenPush;
  targets: Targets;
  /** One limiter of each kind for the whole process, shared by HTTP and XMPP. */
  limits: PushLimits;
  /** What one user or account may hold and how fast they may use what costs everybody. */
  quotas: Quotas;
  /** Relay names a registration may name: `local` and the configured remote relays. */
  names: readonly string[];
  /** The configured remote relays: name → base URL. */
  remoteUrls: ReadonlyMap<string, string>;
}

export function createRelay(o: RelayOptions): Relay {
  const quotas = createQuotas({ store: o.store, limits: o.quotas ?? DEFAULT_QUOTAS });
  const service = createRelayService({ ...o, quotas });
  const limit = (name: string, points: number) => o.store.limiter({ name, points, durationS: 60 });
  const limits = {
    perToken: limit('push-token', o.limits.perTokenPerMinute),
    perAccount: limit('push-account', o.limits.perAccountPerMinute),
    misses: limit('misses', o.limits.missesPerMinute),
  };
  const remotes = new Map(
    o.remotes.map((r) => [r.name, quotas.remote(createRemoteRelay({ ...r, log: o.log }))]),
  );
  return {
    service,
    tokenPush: createTokenPush({ service, limits }),
    targets: createTargets({ service, remotes }),
    limits,
    quotas,
    names: ['local', ...remotes.keys()],
    remoteUrls: new Map(o.remotes.map((r) => [r.name, r.url])),
  };
}
