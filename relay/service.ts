// The push relay's accounts, devices and whitelist tokens (the mission document's "Push Relay
// Server"), shared by the HTTP API and the XMPP component. Outcomes are values.
import { createHash } from 'node:crypto';
import type { ProviderName } from '../lib/providers.js';
import { hashSecret, newSecret } from '../lib/secrets.js';
import type {
  Account,
  Device,
  DeviceRoute,
  Job,
  QueuedPush,
  Store,
  TokenRecord,
} from '../store/types.js';
import type { Apps } from './apps.js';
import type { Notification } from './notification.js';
import {
  deviceProblem,
  type PushOutcome,
  pushObstacle,
  type Unavailable,
  type Undeliverable,
} from './obstacles.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { OverQuota, Quotas } from './quotas.js';

export interface RelayServiceOptions {
  store: Store;
  /** The apps this process delivers for. */
  apps: Apps;
  /** Lifetime of whitelist tokens. */
  tokenTtlMs: number;
  /** At most this many pushes per device per minute; more coalesce into later ones. */
  ratePerMinute: number;
  /** Called after jobs were enqueued and not all handed off, so the delivery worker looks now. */
  onEnqueued: () => void;
  /** The delivery worker, taking jobs as they are enqueued: without a claim of their own. */
  handOff?: HandOff;
  /** Devices and tokens per account, tokens issued per user. */
  quotas: Quotas;
  now?: () => number;
}

/**
 * A job leased in its enqueue's commit goes straight to the delivery worker: no claim (a commit
 * and a wake-up) per push at low load.
 */
export interface HandOff {
  /** The lease end for one job enqueued now, or undefined when the worker has no room for it. */
  reserve(): number | undefined;
  /** Ends one reservation: with the job leased for it (to `device`), or undefined when none was. */
  adopt(job: Job | undefined, device: Device): void;
}

export type { PushOutcome, Unavailable, Undeliverable };

/** Delivery history of one device, for diagnostics. */
export type DeviceState = Pick<
  Device,
  | 'provider'
  | 'app'
  | 'voip'
  | 'active'
  | 'successCount'
  | 'errorCount'
  | 'lastSuccessAt'
  | 'lastErrorAt'
  | 'lastError'
> & {
  /** Why this process cannot deliver to it now, when it cannot (its app or environment). */
  problem?: string;
};

/** A device's delivery history without its device token. */
export const stateOf = (d: Device): DeviceState => ({
  provider: d.provider,
  app: d.app,
  voip: d.voip,
  active: d.active,
  successCount: d.successCount,
  errorCount: d.errorCount,
  lastSuccessAt: d.lastSuccessAt,
  lastErrorAt: d.lastErrorAt,
  lastError: d.lastError,
});

export type LoginResult =
  | { account: Account; apiKey: string; created: boolean }
  | 'wrong-password'
  | 'no-password';

/** Accounts made for XMPP users live in their own namespace: HTTP usernames cannot hold ':'. */
export const xmppAccountName = (jid: string) => `xmpp:${jid}`;

/** A deviceId for a device known by its token alone (its token's hash: the id shows no token). */
export const tokenDeviceId = (deviceToken: string) =>
  `token:${createHash('sha256').update(deviceToken).digest('hex').slice(0, 32)}`;

/** The account holding the devices of a stateless app (HTTP usernames cannot hold ':'). */
const statelessAccountName = (app: string) => `stateless:${app}`;

/** The deviceId of the VoIP (PushKit) token registered along with device `deviceId`. */
export const voipDeviceId = (deviceId: string) => `${deviceId}#voip`;

/** A device of an XMPP user that the provider said is dead, now retired. */
export interface RetiredDevice {
  /** The user's bare JID. */
  jid: string;
  /** The device's store id (a registration's `device` target). */
  device: string;
}

export type RelayService = ReturnType<typeof createRelayService>;

export function createRelayService(o: RelayServiceOptions) {
  const now = o.now ?? Date.now;
  const { store } = o;
  const minIntervalMs = Math.ceil(60_000 / o.ratePerMinute);
  const retiredListeners: Array<(r: RetiredDevice) => void> = [];

  async function newApiKey(account: Account): Promise<string> {
    const key = newSecret(20);
    await store.accounts.addApiKey(hashSecret(key), account.id, now());
    return key;
  }

  async function ownAccount(username: string): Promise<Account> {
    const found = await store.accounts.getByUsername(username);
    if (found) return found;
    const made = await store.accounts.create({ username }, now());
    return made === 'conflict' ? ((await store.accounts.getByUsername(username)) as Account) : made;
  }

  async function getDevice(account: Account, provider: ProviderName, id: string) {
    const device = await store.devices.get(id);
    return device?.owner === account.id && device.provider === provider ? device : undefined;
  }

  /** A new account-wide whitelist token: the token itself is returned once, never stored. */
  async function addToken(owner: Account, name: string) {
    const over = await o.quotas.token(owner.id);
    if (over) return over;
    const token = newSecret(20);
    const t = now();
    const record = await store.tokens.add(hashSecret(token), {
      owner: owner.id,
      scope: 'account',
      name,
      createdAt: t,
      expiresAt: t + o.tokenTtlMs,
    });
    return { token, record };
  }

  /**
   * Where a push goes among `devices`: a call rings each device's VoIP token where it has a live
   * one; anything else never goes to VoIP tokens (a VoIP push must report a call).
   */
  async function route(devices: Device[], n: Notification): Promise<Device[]> {
    const plain = devices.filter((d) => !d.voip);
    if (!n.call) return plain;
    return Promise.all(
      plain.map(async (d) => {
        const id = voipDeviceId(d.deviceId);
        const twin =
          devices.find((x) => x.voip && x.owner === d.owner && x.deviceId === id) ??
          (await store.devices.find(d.owner, d.provider, id));
        return twin?.active && o.apps.of(twin)?.voip ? twin : d;
      }),
    );
  }

  /** The account id of each stateless app, looked up once: every publish of the app needs it. */
  const statelessOwners = new Map<string, Promise<string>>();
  function statelessOwner(app: string): Promise<string> {
    let owner = statelessOwners.get(app);
    if (!owner) {
      owner = ownAccount(statelessAccountName(app)).then((a) => a.id);
      statelessOwners.set(app, owner);
      owner.catch(() => statelessOwners.delete(app));
    }
    return owner;
  }

  /**
   * Durably queues a push for each device that can take one; `gone` when no device is live, else
   * why none can take it (this process's trouble first: one such device makes the sender wait).
   */
  async function enqueue(
    devices: Array<Device | undefined>,
    n: Notification,
  ): Promise<PushOutcome> {
    const targets = await route(
      devices.filter((d): d is Device => d?.active === true),
      n,
    );
    const obstacles = targets.map((d) => pushObstacle(o.apps, d, n));
    const live = targets.filter((_, i) => obstacles[i] === undefined);
    if (live.length === 0) {
      const found = obstacles.filter((x) => x !== undefined);
      return found.find((x) => 'unavailable' in x) ?? found[0] ?? 'gone';
    }
    const { priority, ...content } = n;
    const push = { payload: JSON.stringify(content), priority };
    const t = now();
    const outcomes = await Promise.all(live.map((d) => enqueueOne(d, push, t)));
    if (!outcomes.every((x) => typeof x === 'object')) o.onEnqueued();
    return outcomes.every((x) => x === 'coalesced') ? 'coalesced' : 'queued';
  }

  async function enqueueOne(device: Device, push: QueuedPush, t: number) {
    const leaseUntil = o.handOff?.reserve();
    if (leaseUntil === undefined) return store.queue.enqueue(device.id, push, minIntervalMs, t);
    let out: Job | 'queued' | 'coalesced' | undefined;
    try {
      out = await store.queue.enqueueLeased(device.id, push, minIntervalMs, t, leaseUntil);
      return out;
    } finally {
      o.handOff?.adopt(typeof out === 'object' ? out : undefined, device);
    }
  }

  /** A device's history, with why this process cannot deliver to it if it cannot. */
  const viewOf = (d: Device): DeviceState => {
    const problem = d.active ? deviceProblem(o.apps, d) : undefined;
    return problem
      ? {
          ...stateOf(d),
          problem: 'unavailable' in problem ? problem.unavailable : problem.undeliverable,
        }
      : stateOf(d);
  };

  /** The devices a token reaches: its own device, or every device of its account. */
  async function devicesOf(record: TokenRecord): Promise<Array<Device | undefined>> {
    return record.scope === 'device'
      ? [await store.devices.get(record.deviceId)]
      : store.devices.listByOwner(record.owner);
  }

  const usable = (r: TokenRecord | undefined) =>
    r && (r.expiresAt === undefined || r.expiresAt > now()) ? r : undefined;

  const xmppAccount = (jid: string) => store.accounts.getByUsername(xmppAccountName(jid));

  /** Only the owner revokes a token: by the token itself, or by its (decimal) id. */
  const revoke = (owner: string, tokenOrId: string) =>
    /^\d+$/.test(tokenOrId)
      ? store.tokens.removeById(tokenOrId, owner)
      : store.tokens.removeByHash(hashSecret(tokenOrId), owner);

  return {
    apps: o.apps,

    /**
     * The delivery worker's word that a device's token was found dead: when the store has the
     * device retired and it is an XMPP user's, the `onRetired` listeners hear of it.
     */
    async reportDead(deviceId: string): Promise<void> {
      if (retiredListeners.length === 0) return;
      const device = await store.devices.get(deviceId);
      if (!device || device.active) return;
      const username = (await store.accounts.get(device.owner))?.username;
      const prefix = xmppAccountName('');
      const jid = username?.startsWith(prefix) ? username.slice(prefix.length) : undefined;
      if (jid) for (const listener of retiredListeners) listener({ jid, device: device.id });
    },

    /** Calls `listener` for each XMPP user's device retired after `reportDead`. */
    onRetired(listener: (r: RetiredDevice) => void): void {
      retiredListeners.push(listener);
    },

    /** Creates the account, or logs in when it exists (ChatSecure's POST /accounts/). */
    async login(username: string, password: string, email?: string): Promise<LoginResult> {
      const existing = await store.accounts.getByUsername(username);
      if (existing) {
        if (!existing.passwordHash) return 'no-password';
        if (!(await verifyPassword(password, existing.passwordHash))) return 'wrong-password';
        return { account: existing, apiKey: await newApiKey(existing), created: false };
      }
      const made = await store.accounts.create(
        { username, email, passwordHash: await hashPassword(password) },
        now(),
      );
      if (made === 'conflict') return 'wrong-password';
      return { account: made, apiKey: await newApiKey(made), created: true };
    },

    authenticate(apiKey: string): Promise<Account | undefined> {
      return store.accounts.getByApiKey(hashSecret(apiKey));
    },

    deleteAccount(account: Account): Promise<boolean> {
      return store.accounts.remove(account.id);
    },

    /** Adds a device; the same registration id (or device id) again updates it instead. */
    async addDevice(
      account: Account,
      provider: ProviderName,
      d: { registrationId: string; name?: string; deviceId?: string } & DeviceRoute,
    ): Promise<Device | OverQuota<'devicesPerAccount'>> {
      const deviceId = d.deviceId ?? tokenDeviceId(d.registrationId);
      const over = await o.quotas.devices(account.id, provider, [deviceId]);
      if (over) return over;
      return store.devices.upsert(
        {
          owner: account.id,
          provider,
          deviceId,
          deviceToken: d.registrationId,
          name: d.name,
          app: d.app,
          environment: d.environment,
        },
        now(),
      );
    },

    listDevices(account: Account, provider: ProviderName): Promise<Device[]> {
      return store.devices.listByOwner(account.id, provider);
    },

    getDevice,

    /** One of the account's devices, whatever its provider. */
    async deviceById(account: Account, id: string): Promise<Device | undefined> {
      const device = await store.devices.get(id);
      return device?.owner === account.id ? device : undefined;
    },

    updateDevice(
      account: Account,
      id: string,
      changes: { name?: string; deviceToken?: string; active?: boolean },
    ): Promise<Device | undefined> {
      return store.devices.update(id, account.id, changes);
    },

    async removeDevice(account: Account, provider: ProviderName, id: string): Promise<boolean> {
      const device = await getDevice(account, provider, id);
      return device !== undefined && (await store.devices.remove(id)) !== undefined;
    },

    /** A whitelist token for anyone to push to all devices of `account`. */
    createToken: addToken,

    listTokens(account: Account): Promise<TokenRecord[]> {
      return store.tokens.listByOwner(account.id);
    },

    /** Revokes one of the account's tokens, by the token itself or by its id. */
    revokeToken: (account: Account, tokenOrId: string) => revoke(account.id, tokenOrId),

    /** The record of a token that can push now; undefined for unknown, revoked and expired ones. */
    async findToken(token: string): Promise<TokenRecord | undefined> {
      return usable(await store.tokens.getByHash(hashSecret(token)));
    },

    /** Like findToken, by the token's id (a registration's or collected token's reference). */
    async tokenById(id: string): Promise<TokenRecord | undefined> {
      return usable(await store.tokens.get(id));
    },

    /** Durably queues a push to the devices a token reaches. */
    async pushWithToken(record: TokenRecord, n: Notification): Promise<PushOutcome> {
      return enqueue(await devicesOf(record), n);
    },

    /**
     * Durably queues a push to a device known only by its token (stateless apps). A token that
     * the provider said is dead stays dead: `gone`.
     */
    async pushStateless(
      route: DeviceRoute & { app: string; provider: ProviderName },
      deviceToken: string,
      n: Notification,
    ): Promise<PushOutcome> {
      const owner = await statelessOwner(route.app);
      const deviceId = tokenDeviceId(deviceToken);
      const { provider, ...rest } = route;
      let device = await store.devices.find(owner, provider, deviceId);
      if (device && !device.active) return 'gone';
      if (device?.app !== route.app || device.environment !== route.environment) {
        const input = { owner, provider, deviceId, deviceToken, ...rest };
        device = await store.devices.upsert(input, now());
      }
      return enqueue([device], n);
    },

    /** Durably queues a push to one device. */
    async pushToDevice(id: string, n: Notification): Promise<PushOutcome> {
      return enqueue([await store.devices.get(id)], n);
    },

    /** The delivery history of the devices a token reaches. */
    async tokenDevices(record: TokenRecord): Promise<DeviceState[]> {
      return (await devicesOf(record)).filter((d): d is Device => d !== undefined).map(viewOf);
    },

    /** The delivery history of a device of this relay; undefined when it is gone. */
    async deviceState(id: string): Promise<DeviceState | undefined> {
      const device = await store.devices.get(id);
      return device && viewOf(device);
    },

    /** The XMPP user's account; undefined when they never registered. */
    xmppAccount,

    /**
     * Adds (or updates) a device of the XMPP user `jid`, for their XEP-0357 registrations, with
     * its PushKit token as a second device when given; registered again without one, the device
     * loses the PushKit token it had.
     */
    async addXmppDevice(
      d: {
        jid: string;
        provider: ProviderName;
        deviceId: string;
        deviceToken: string;
        /** A PushKit token of the same device, for calls. */
        voipToken?: string;
      } & DeviceRoute,
    ): Promise<Device | OverQuota<'devicesPerAccount'>> {
      const account = await ownAccount(xmppAccountName(d.jid));
      const { jid: _, voipToken, ...device } = d;
      const voipId = voipDeviceId(d.deviceId);
      const ids = voipToken ? [d.deviceId, voipId] : [d.deviceId];
      const over = await o.quotas.devices(account.id, d.provider, ids);
      if (over) return over;
      if (voipToken) {
        const voip = { ...device, deviceId: voipId, deviceToken: voipToken, voip: true };
        await store.devices.upsert({ owner: account.id, ...voip }, now());
      } else {
        const stale = await store.devices.find(account.id, d.provider, voipId);
        if (stale) await store.devices.remove(stale.id);
      }
      return store.devices.upsert({ owner: account.id, ...device }, now());
    },

    async removeXmppDevice(
      jid: string,
      provider: ProviderName,
      deviceId: string,
    ): Promise<boolean> {
      const account = await xmppAccount(jid);
      if (!account) return false;
      const device = await store.devices.find(account.id, provider, deviceId);
      const voip = await store.devices.find(account.id, provider, voipDeviceId(deviceId));
      if (voip) await store.devices.remove(voip.id);
      return device !== undefined && (await store.devices.remove(device.id)) !== undefined;
    },

    /**
     * A whitelist token that wakes every device the XMPP user registered; undefined when they
     * have no live device yet.
     */
    async issueXmppToken(jid: string, name: string) {
      const account = await xmppAccount(jid);
      const devices = account ? await store.devices.listByOwner(account.id) : [];
      if (!account || !devices.some((d) => d.active)) return undefined;
      return (
        (await o.quotas.token(account.id)) ?? (await o.quotas.issue(jid)) ?? addToken(account, name)
      );
    },

    /** Revokes a token the XMPP user was issued, by the token or its id; false when they have none. */
    async revokeXmppToken(jid: string, tokenOrId: string): Promise<boolean> {
      const account = await xmppAccount(jid);
      return account !== undefined && revoke(account.id, tokenOrId);
    },

    /** Removes expired whitelist tokens (with what points at them); returns how many. */
    purgeExpiredTokens: (): Promise<number> => store.tokens.purgeExpired(now()),

    /** The tokens the XMPP user was issued (records only: the tokens themselves are not kept). */
    async listXmppTokens(jid: string): Promise<TokenRecord[]> {
      const account = await xmppAccount(jid);
      return account ? store.tokens.listByOwner(account.id) : [];
    },
  };
}
