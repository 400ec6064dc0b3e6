// Quotas: how much one user or account may hold (registrations, devices, whitelist tokens,
// collected tokens), and how fast one user may use what costs everybody (tokens issued, test
// pushes, pushes through other operators' relays). A check answers a value; the XMPP and HTTP
// adapters turn it into their errors. Doing the same thing again (registering the same device)
// takes nothing.
import { AppError } from '../lib/errors.js';
import type { ProviderName } from '../lib/providers.js';
import type { Limiter, Store } from '../store/types.js';
import type { Notification } from './notification.js';
import type { RemoteRelay } from './remote-relay.js';

export interface QuotaLimits {
  /** XEP-0357 registrations per user (bare JID), whichever command made them. */
  registrationsPerUser: number;
  /** Devices per account (an HTTP account, or an XMPP user's). */
  devicesPerAccount: number;
  /** Whitelist tokens per account (expired ones count until they are purged). */
  tokensPerAccount: number;
  /** Tokens an XMPP user is issued (`<issue/>`, `create-token`) per day. */
  issuedTokensPerUserPerDay: number;
  /** Tokens kept from one user's clients. */
  collectedTokensPerUser: number;
  /** `test-push` commands per user per hour. */
  testPushesPerUserPerHour: number;
  /** Pushes through remote relays on behalf of one user per minute. */
  remotePushesPerUserPerMinute: number;
  /** Tokens of one user that remote relays did not know, per hour; past it their remote pushes wait. */
  remoteMissesPerUserPerHour: number;
  /** Pushes to one remote relay per minute, all users together. */
  remotePushesPerRelayPerMinute: number;
}

/** The defaults of `[quotas]`: far above what one person's real use needs. */
export const DEFAULT_QUOTAS: QuotaLimits = {
  registrationsPerUser: 50,
  devicesPerAccount: 100,
  tokensPerAccount: 100,
  issuedTokensPerUserPerDay: 20,
  collectedTokensPerUser: 50,
  testPushesPerUserPerHour: 10,
  remotePushesPerUserPerMinute: 60,
  remoteMissesPerUserPerHour: 10,
  remotePushesPerRelayPerMinute: 1000,
};

/** The limits from the `[quotas]` section's keys. */
export function quotaLimits(c: {
  registrations_per_user: number;
  devices_per_account: number;
  tokens_per_account: number;
  issued_tokens_per_user_per_day: number;
  collected_tokens_per_user: number;
  test_pushes_per_user_per_hour: number;
  remote_pushes_per_user_per_minute: number;
  remote_misses_per_user_per_hour: number;
  remote_pushes_per_relay_per_minute: number;
}): QuotaLimits {
  return {
    registrationsPerUser: c.registrations_per_user,
    devicesPerAccount: c.devices_per_account,
    tokensPerAccount: c.tokens_per_account,
    issuedTokensPerUserPerDay: c.issued_tokens_per_user_per_day,
    collectedTokensPerUser: c.collected_tokens_per_user,
    testPushesPerUserPerHour: c.test_pushes_per_user_per_hour,
    remotePushesPerUserPerMinute: c.remote_pushes_per_user_per_minute,
    remoteMissesPerUserPerHour: c.remote_misses_per_user_per_hour,
    remotePushesPerRelayPerMinute: c.remote_pushes_per_relay_per_minute,
  };
}

export type Quota = keyof QuotaLimits;

/** A quota that refused: which, its limit, and for a rate, how long until it allows again. */
export interface OverQuota<Q extends Quota = Quota> {
  over: Q;
  limit: number;
  retryAfterMs?: number;
}

/** The quotas of pushes through remote relays. */
export type RemoteQuota =
  | 'remotePushesPerUserPerMinute'
  | 'remoteMissesPerUserPerHour'
  | 'remotePushesPerRelayPerMinute';

export const isOverQuota = (v: unknown): v is OverQuota =>
  typeof v === 'object' && v !== null && 'over' in v;

/**
 * A push through a remote relay refused by a quota. Thrown, since push outcomes carry no
 * refusal; anything that does not catch it answers `wait` (internal-server-error), never a
 * push-disabling error.
 */
export class QuotaExceededError extends AppError {
  constructor(readonly quota: OverQuota<RemoteQuota>) {
    super(`quota ${quota.over} exceeded`);
  }
}

/** A remote relay whose pushes count against the user they are for, when known. */
export interface UserRemote extends RemoteRelay {
  push(token: string, n: Notification, user?: string): ReturnType<RemoteRelay['push']>;
}

export type Quotas = ReturnType<typeof createQuotas>;

export function createQuotas(o: { store: Store; limits: QuotaLimits; now?: () => number }) {
  const { store, limits } = o;
  const now = o.now ?? Date.now;
  const rate = (name: string, points: number, durationS: number) =>
    store.limiter({ name: `quota-${name}`, points, durationS });
  const rates = {
    issued: rate('issued', limits.issuedTokensPerUserPerDay, 86_400),
    testPushes: rate('test-push', limits.testPushesPerUserPerHour, 3600),
    remoteUser: rate('remote-user', limits.remotePushesPerUserPerMinute, 60),
    remoteMisses: rate('remote-miss', limits.remoteMissesPerUserPerHour, 3600),
    remoteRelay: rate('remote-relay', limits.remotePushesPerRelayPerMinute, 60),
  };

  const over = <Q extends Quota>(quota: Q, retryAfterMs?: number): OverQuota<Q> => ({
    over: quota,
    limit: limits[quota],
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });

  /** Takes a point of `limiter` for `key`; the quota that refused when none is left. */
  async function take<Q extends Quota>(quota: Q, limiter: Limiter, key: string) {
    const r = await limiter.consume(key);
    return r.ok ? undefined : over(quota, r.retryAfterMs);
  }

  async function orThrow(refused: Promise<OverQuota<RemoteQuota> | undefined>): Promise<void> {
    const q = await refused;
    if (q) throw new QuotaExceededError(q);
  }

  return {
    limits,

    /** A registration of `key.jid`: refused past the quota unless it replaces one of theirs. */
    async registration(key: {
      jid: string;
      provider: ProviderName | 'relay';
      deviceId: string;
      muc?: string;
    }): Promise<OverQuota<'registrationsPerUser'> | undefined> {
      const held = await store.registrations.countByJid(key.jid);
      if (held < limits.registrationsPerUser) return undefined;
      const replaces = (await store.registrations.listByJid(key.jid)).some(
        (r) => r.provider === key.provider && r.deviceId === key.deviceId && r.muc === key.muc,
      );
      return replaces ? undefined : over('registrationsPerUser');
    },

    /** Devices `deviceIds` of `owner`: refused when the new ones among them would not fit. */
    async devices(
      owner: string,
      provider: ProviderName,
      deviceIds: string[],
    ): Promise<OverQuota<'devicesPerAccount'> | undefined> {
      const held = await store.devices.countByOwner(owner);
      if (held + deviceIds.length <= limits.devicesPerAccount) return undefined;
      const known = await Promise.all(
        deviceIds.map((id) => store.devices.find(owner, provider, id)),
      );
      const adding = known.filter((d) => d === undefined).length;
      return held + adding <= limits.devicesPerAccount ? undefined : over('devicesPerAccount');
    },

    /** One more token of `owner`; expired ones are purged first when they would not fit. */
    async token(owner: string): Promise<OverQuota<'tokensPerAccount'> | undefined> {
      const fits = async () => (await store.tokens.countByOwner(owner)) < limits.tokensPerAccount;
      if (await fits()) return undefined;
      await store.tokens.purgeExpired(now());
      return (await fits()) ? undefined : over('tokensPerAccount');
    },

    /** Takes one of the tokens `jid` may be issued today. */
    issue: (jid: string) => take('issuedTokensPerUserPerDay', rates.issued, jid),

    /** Takes one of the test pushes `jid` may send this hour. */
    testPush: (jid: string) => take('testPushesPerUserPerHour', rates.testPushes, jid),

    /** A token collected for `relay` from a user holding tokens of `held` relays. */
    collected(
      held: ReadonlySet<string>,
      relay: string,
    ): OverQuota<'collectedTokensPerUser'> | undefined {
      return held.has(relay) || held.size < limits.collectedTokensPerUser
        ? undefined
        : over('collectedTokensPerUser');
    },

    /**
     * `remote` with its pushes counted: per user (when known) and per relay, and the user's
     * tokens that it did not know. A push over a quota throws QuotaExceededError, uncontacted.
     */
    remote(remote: RemoteRelay): UserRemote {
      return {
        name: remote.name,
        refusal: () => remote.refusal(),
        async push(token, n, user) {
          if (user !== undefined) {
            const missed = await rates.remoteMisses.peek(user);
            if (!missed.ok) {
              throw new QuotaExceededError(over('remoteMissesPerUserPerHour', missed.retryAfterMs));
            }
            await orThrow(take('remotePushesPerUserPerMinute', rates.remoteUser, user));
          }
          await orThrow(take('remotePushesPerRelayPerMinute', rates.remoteRelay, remote.name));
          const outcome = await remote.push(token, n);
          if (outcome === 'gone' && user !== undefined) await rates.remoteMisses.consume(user);
          return outcome;
        },
      };
    },
  };
}
