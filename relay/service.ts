// The push relay's accounts, devices and whitelist tokens (the mission document's "Push Relay
// Server"), shared by the HTTP API and the XMPP component. Outcomes are values.
import { createHash } from 'node:crypto';
import type { Account, Device, Store, TokenRecord } from '../store/types.js';
import type { Notification } from './notification.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { ProviderName } from './provider.js';
import type { DeviceState, PushOutcome } from './relay.js';
import { hashSecret, newSecret } from '../lib/secrets.js';

export interface RelayServiceOptions {
  store: Store;
  providers: readonly ProviderName[];
  /** Lifetime of tokens made over HTTP; XMPP registration tokens live as long as the registration. */
  tokenTtlMs: number;
  /** At most this many pushes per device per minute; more coalesce into later ones. */
  ratePerMinute: number;
  /** Called after jobs were enqueued, so the delivery worker starts at once. */
  onEnqueued: () => void;
  now?: () => number;
}

export type LoginResult =
  | { account: Account; apiKey: string; created: boolean }
  | 'wrong-password'
  | 'no-password';

/** Accounts made for XMPP users live in their own namespace: HTTP usernames cannot hold ':'. */
export const xmppAccountName = (jid: string) => `xmpp:${jid}`;

export type RelayService = ReturnType<typeof createRelayService>;

export function createRelayService(o: RelayServiceOptions) {
  const now = o.now ?? Date.now;
  const { store } = o;
  const minIntervalMs = Math.ceil(60_000 / o.ratePerMinute);

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

  /** The devices a token reaches: its own device, or every device of its account. */
  async function devicesOf(record: TokenRecord): Promise<Array<Device | undefined>> {
    return record.scope === 'device'
      ? [await store.devices.get(record.deviceId)]
      : store.devices.listByOwner(record.owner);
  }

  async function getDevice(account: Account, provider: ProviderName, id: string) {
    const device = await store.devices.get(id);
    return device?.owner === account.id && device.provider === provider ? device : undefined;
  }

  async function addToken(
    device: Device,
    name: string,
    scope: TokenRecord['scope'],
    ttlMs?: number,
  ) {
    const token = newSecret(20);
    const t = now();
    const record = await store.tokens.add(hashSecret(token), {
      deviceId: device.id,
      owner: device.owner,
      scope,
      name,
      createdAt: t,
      expiresAt: ttlMs === undefined ? undefined : t + ttlMs,
    });
    return { token, record };
  }

  return {
    providers: o.providers,

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
    addDevice(
      account: Account,
      provider: ProviderName,
      d: { registrationId: string; name?: string; deviceId?: string },
    ): Promise<Device> {
      const deviceId =
        d.deviceId ??
        `token:${createHash('sha256').update(d.registrationId).digest('hex').slice(0, 32)}`;
      return store.devices.upsert(
        { owner: account.id, provider, deviceId, deviceToken: d.registrationId, name: d.name },
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

    /** Whitelist token for anyone to push to all devices of `device`'s account. */
    async createToken(device: Device, name: string) {
      return addToken(device, name, 'account', o.tokenTtlMs);
    },

    listTokens(account: Account): Promise<TokenRecord[]> {
      return store.tokens.listByOwner(account.id);
    },

    /** Revokes by the token itself or by its id. */
    revokeToken(account: Account, tokenOrId: string): Promise<boolean> {
      return /^\d+$/.test(tokenOrId)
        ? store.tokens.removeById(tokenOrId, account.id)
        : store.tokens.removeByHash(hashSecret(tokenOrId), account.id);
    },

    /** Durably queues a push to the devices behind `token`; `gone` for an unusable token. */
    async push(token: string, notification: Notification): Promise<PushOutcome> {
      const t = now();
      const record = await store.tokens.getByHash(hashSecret(token));
      if (!record || (record.expiresAt !== undefined && record.expiresAt <= t)) return 'gone';
      const devices = await devicesOf(record);
      const live = devices.filter(
        (d): d is Device => d?.active === true && o.providers.includes(d.provider),
      );
      if (live.length === 0) return 'gone';
      const payload = JSON.stringify(notification);
      const outcomes = await Promise.all(
        live.map((d) => store.queue.enqueue(d.id, payload, minIntervalMs, t)),
      );
      o.onEnqueued();
      return outcomes.includes('queued') ? 'queued' : 'coalesced';
    },

    /** The device of an XMPP registration, with a token for it alone that does not expire. */
    async registerXmppDevice(d: {
      jid: string;
      provider: ProviderName;
      deviceId: string;
      deviceToken: string;
      tokenName: string;
    }): Promise<{ token: string }> {
      const account = await ownAccount(xmppAccountName(d.jid));
      const device = await store.devices.upsert(
        {
          owner: account.id,
          provider: d.provider,
          deviceId: d.deviceId,
          deviceToken: d.deviceToken,
        },
        now(),
      );
      return { token: (await addToken(device, d.tokenName, 'device')).token };
    },

    async removeXmppDevice(
      jid: string,
      provider: ProviderName,
      deviceId: string,
    ): Promise<boolean> {
      const account = await store.accounts.getByUsername(xmppAccountName(jid));
      if (!account) return false;
      const device = (await store.devices.listByOwner(account.id, provider)).find(
        (x) => x.deviceId === deviceId,
      );
      return device !== undefined && (await store.devices.remove(device.id)) !== undefined;
    },

    /**
     * A whitelist token (expiring like HTTP ones) that wakes every device the XMPP user
     * registered; undefined when they have no device yet.
     */
    async issueXmppToken(jid: string, name: string) {
      const account = await store.accounts.getByUsername(xmppAccountName(jid));
      const devices = account ? await store.devices.listByOwner(account.id) : [];
      const device = devices.find((d) => d.active);
      return device && addToken(device, name, 'account', o.tokenTtlMs);
    },

    /** The devices a token reaches, with their delivery history; undefined for an unusable token. */
    async describeToken(token: string): Promise<DeviceState[] | undefined> {
      const record = await store.tokens.getByHash(hashSecret(token));
      if (!record) return undefined;
      const devices = await devicesOf(record);
      return devices
        .filter((d): d is Device => d !== undefined)
        .map(
          ({
            provider,
            active,
            successCount,
            errorCount,
            lastSuccessAt,
            lastErrorAt,
            lastError,
          }) => ({
            provider,
            active,
            successCount,
            errorCount,
            lastSuccessAt,
            lastErrorAt,
            lastError,
          }),
        );
    },

    async revokeXmppToken(jid: string, token: string): Promise<boolean> {
      const account = await store.accounts.getByUsername(xmppAccountName(jid));
      return account !== undefined && store.tokens.removeByHash(hashSecret(token), account.id);
    },

    /** Revokes a token without checking its owner (the component's own registration tokens). */
    async revoke(token: string): Promise<void> {
      const record = await store.tokens.getByHash(hashSecret(token));
      if (record) await store.tokens.removeByHash(hashSecret(token), record.owner);
    },
  };
}
