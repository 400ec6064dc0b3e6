import type { Notification } from './notification.js';
import type { ProviderName } from './provider.js';

/**
 * What the component needs from a push relay. The in-process relay implements it over the
 * store and delivery queue; a remote relay implements it over the HTTP API.
 */
export interface Relay {
  /** Providers this relay can deliver through. */
  readonly providers: readonly ProviderName[];
  /**
   * Adds a device for the XMPP user `owner` (bare JID), or replaces the token of the same
   * owner/provider/deviceId, and returns a new whitelist token that pushes to it alone.
   */
  registerDevice(device: {
    owner: string;
    provider: ProviderName;
    deviceId: string;
    deviceToken: string;
    tokenName: string;
  }): Promise<{ token: string }>;
  /** Removes the device and its tokens; false when there was none. */
  removeDevice(owner: string, provider: ProviderName, deviceId: string): Promise<boolean>;
  /**
   * Durably accepts a push for the devices behind `token`. `gone`: the token is unknown,
   * expired or revoked, or its device is dead. Throws when the relay cannot answer now.
   */
  push(token: string, notification: Notification): Promise<PushOutcome>;
  /**
   * A whitelist token for all devices of the XMPP user `owner` (bare JID), for anyone to push
   * with; undefined when the user has no live device here.
   */
  issueToken(
    owner: string,
    name: string,
  ): Promise<{ token: string; expiresAt?: number } | undefined>;
  /** What the relay knows of the devices behind a token it issued; undefined when it cannot tell. */
  describe(token: string): Promise<DeviceState[] | undefined>;
  /** Revokes a token the XMPP user `owner` was issued; false when they have no such token. */
  revokeFor(owner: string, token: string): Promise<boolean>;
  /** Revokes a token this component obtained (a replaced registration's); unknown is fine. */
  revoke(token: string): Promise<void>;
}

export type PushOutcome = 'queued' | 'coalesced' | 'gone';

/** Delivery history of one device, for diagnostics. */
export interface DeviceState {
  provider: ProviderName;
  active: boolean;
  successCount: number;
  errorCount: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
}
