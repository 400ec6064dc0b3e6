// Store types, XEP-0357 registrations: node + secret → one target, and the targets.
import type { ProviderName } from '../../lib/providers.js';

/**
 * Where the pushes of a registration (or of a collected token) go, by reference:
 * - `device`: a device of this relay, by its store id;
 * - `token`: a whitelist token of this relay, by its store id (the token itself is not kept);
 * - `remote`: a whitelist token of another relay, named in `[[relays]]`. This is the one place
 *   where a token is stored as it is: it must be sent on to that relay with every push.
 */
export type Target =
  | { kind: 'device'; device: string }
  | { kind: 'token'; token: string }
  | { kind: 'remote'; relay: string; token: string };

/** A XEP-0357 registration made over ad-hoc commands: node + secret → one target. */
export interface Registration {
  node: string;
  /** '' when the node itself is the credential (Tigase registrations: the enable has no secret). */
  secretHash: string;
  /** Bare JID of the user who registered. */
  jid: string;
  /** Bare JID of the MUC the registration is for, if any (publishes then come from its domain). */
  muc?: string;
  /** How it was registered: a device of this relay's APNs/FCM, or a relay's whitelist token. */
  provider: ProviderName | 'relay';
  /** The device identifier the client sent (`device-id` / `android-id`). */
  deviceId: string;
  target: Target;
  createdAt: number;
}

export interface RegistrationStore {
  get(node: string): Promise<Registration | undefined>;
  /**
   * Stores `reg`, replacing any registration of the same jid, provider, deviceId and muc.
   * Rejects when a `device` or `token` target does not exist.
   */
  put(reg: Registration): Promise<{ replaced: Registration[] }>;
  /** Removes the registrations of this jid's device (only those of `muc` when given). */
  remove(key: {
    jid: string;
    provider: Registration['provider'];
    deviceId: string;
    muc?: string;
  }): Promise<Registration[]>;
  listByJid(jid: string): Promise<Registration[]>;
  /** How many registrations the jid has (for its quota): an indexed count. */
  countByJid(jid: string): Promise<number>;
}
