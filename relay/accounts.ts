// The push relay's accounts, devices and whitelist tokens as the HTTP API (ChatSecure's push
// server API) sees them, and the account records every way in shares. Outcomes are values.
import type { ProviderName } from '../lib/providers.js';
import { hashSecret, newSecret } from '../lib/secrets.js';
import type { Account, Device, DeviceRoute, Store, TokenRecord } from '../store/types.js';
import { tokenDeviceId } from './device-ids.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { OverQuota, Quotas } from './quotas.js';

export interface AccountOptions {
  store: Store;
  /** Lifetime of whitelist tokens. */
  tokenTtlMs: number;
  /** Devices and tokens per account, tokens issued per user. */
  quotas: Quotas;
  now: () => number;
}

export type LoginResult =
  | { account: Account; apiKey: string; created: boolean }
  | 'wrong-password'
  | 'no-password';

export type AccountRecords = ReturnType<typeof accountRecords>;

/** What the HTTP accounts and the XMPP users' accounts share. */
export function accountRecords(o: AccountOptions) {
  const { store, now } = o;
  return {
    /** The account named `username`, made when missing. */
    async ownAccount(username: string): Promise<Account> {
      const found = await store.accounts.getByUsername(username);
      if (found) return found;
      const made = await store.accounts.create({ username }, now());
      return made === 'conflict'
        ? ((await store.accounts.getByUsername(username)) as Account)
        : made;
    },

    /** A new account-wide whitelist token: the token itself is returned once, never stored. */
    async addToken(owner: Account, name: string) {
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
    },

    /** Only the owner revokes a token: by the token itself, or by its (decimal) id. */
    revoke: (owner: string, tokenOrId: string) =>
      /^\d+$/.test(tokenOrId)
        ? store.tokens.removeById(tokenOrId, owner)
        : store.tokens.removeByHash(hashSecret(tokenOrId), owner),
  };
}

export function createAccounts(o: AccountOptions, records: AccountRecords) {
  const { store, now } = o;

  async function newApiKey(account: Account): Promise<string> {
    const key = newSecret(20);
    await store.accounts.addApiKey(hashSecret(key), account.id, now());
    return key;
  }

  async function getDevice(account: Account, provider: ProviderName, id: string) {
    const device = await store.devices.get(id);
    return device?.owner === account.id && device.provider === provider ? device : undefined;
  }

  const usable = (r: TokenRecord | undefined) =>
    r && (r.expiresAt === undefined || r.expiresAt > now()) ? r : undefined;

  return {
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
    createToken: records.addToken,

    listTokens(account: Account): Promise<TokenRecord[]> {
      return store.tokens.listByOwner(account.id);
    },

    /** Revokes one of the account's tokens, by the token itself or by its id. */
    revokeToken: (account: Account, tokenOrId: string) => records.revoke(account.id, tokenOrId),

    /** The record of a token that can push now; undefined for unknown, revoked and expired ones. */
    async findToken(token: string): Promise<TokenRecord | undefined> {
      return usable(await store.tokens.getByHash(hashSecret(token)));
    },

    /** Like findToken, by the token's id (a registration's or collected token's reference). */
    async tokenById(id: string): Promise<TokenRecord | undefined> {
      return usable(await store.tokens.get(id));
    },

    /** Removes expired whitelist tokens (with what points at them); returns how many. */
    purgeExpiredTokens: (): Promise<number> => store.tokens.purgeExpired(now()),
  };
}
