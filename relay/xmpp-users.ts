// The XMPP users' side of the relay: the devices of their XEP-0357 registrations, the whitelist
// tokens they are issued, and word of their devices found dead. Outcomes are values.
import type { ProviderName } from '../lib/providers.js';
import type { Device, DeviceRoute, Store, TokenRecord } from '../store/types.js';
import type { AccountRecords } from './accounts.js';
import { voipDeviceId, xmppAccountName } from './device-ids.js';
import type { OverQuota, Quotas } from './quotas.js';

export interface XmppUserOptions {
  store: Store;
  /** Devices and tokens per account, tokens issued per user. */
  quotas: Quotas;
  now: () => number;
}

/** A device of an XMPP user that the provider said is dead, now retired. */
export interface RetiredDevice {
  /** The user's bare JID. */
  jid: string;
  /** The device's store id (a registration's `device` target). */
  device: string;
}

export function createXmppUsers(o: XmppUserOptions, records: AccountRecords) {
  const { store, now } = o;
  const retiredListeners: Array<(r: RetiredDevice) => void> = [];

  const xmppAccount = (jid: string) => store.accounts.getByUsername(xmppAccountName(jid));

  return {
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
      const account = await records.ownAccount(xmppAccountName(d.jid));
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
        (await o.quotas.token(account.id)) ??
        (await o.quotas.issue(jid)) ??
        records.addToken(account, name)
      );
    },

    /** Revokes a token the XMPP user was issued, by the token or its id; false when they have none. */
    async revokeXmppToken(jid: string, tokenOrId: string): Promise<boolean> {
      const account = await xmppAccount(jid);
      return account !== undefined && records.revoke(account.id, tokenOrId);
    },

    /** The tokens the XMPP user was issued (records only: the tokens themselves are not kept). */
    async listXmppTokens(jid: string): Promise<TokenRecord[]> {
      const account = await xmppAccount(jid);
      return account ? store.tokens.listByOwner(account.id) : [];
    },
  };
}
