import type { ProviderName } from '../relay/provider.js';

/**
 * The storage interface shared by the component and the relay. Expected outcomes come back
 * as values (`undefined`, `false`); a thrown error means the store itself is in trouble.
 */
export interface Store {
  readonly registrations: RegistrationStore;
  readonly devices: DeviceStore;
  readonly queue: QueueStore;
  /** Resolves when the store answers; rejects when it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A XEP-0357 registration made over ad-hoc commands: node + secret → relay token. */
export interface Registration {
  node: string;
  secretHash: string;
  /** Bare JID of the user who registered. */
  jid: string;
  /** Bare JID of the MUC the registration is for, if any (publishes then come from its domain). */
  muc?: string;
  provider: ProviderName;
  deviceId: string;
  /** Which relay holds the token (`local` for this process). */
  relay: string;
  token: string;
  createdAt: number;
}

export interface RegistrationStore {
  get(node: string): Promise<Registration | undefined>;
  /** Stores `reg`, replacing any registration of the same jid, provider, device and MUC. */
  put(reg: Registration): Promise<{ replaced: Registration[] }>;
  /** Removes the registrations of this device; returns them. */
  remove(key: DeviceKey & { muc?: string }): Promise<Registration[]>;
  listByJid(jid: string): Promise<Registration[]>;
}

export interface DeviceKey {
  owner: string;
  provider: ProviderName;
  deviceId: string;
}

export interface Device extends DeviceKey {
  id: string;
  deviceToken: string;
  active: boolean;
  createdAt: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
  successCount: number;
  errorCount: number;
}

export interface TokenRecord {
  deviceId: string;
  name: string;
  createdAt: number;
  expiresAt?: number;
}

export interface DeviceStore {
  /** Adds the device, or replaces the token of the same owner/provider/deviceId (reactivating it). */
  upsert(device: DeviceKey & { deviceToken: string }, now: number): Promise<Device>;
  get(id: string): Promise<Device | undefined>;
  remove(key: DeviceKey): Promise<Device | undefined>;
  /** Whitelist tokens: only the hash is stored. */
  addToken(tokenHash: string, record: TokenRecord): Promise<void>;
  getToken(tokenHash: string): Promise<TokenRecord | undefined>;
  recordSuccess(id: string, now: number): Promise<void>;
  /** Records a failure; `dead` retires the device so no push goes to it again. */
  recordError(id: string, reason: string, now: number, dead: boolean): Promise<void>;
}

export interface Job {
  id: string;
  deviceId: string;
  payload: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  createdAt: number;
}

export interface QueueStore {
  /**
   * Durably enqueues a push for a device. While a job for the device is still waiting, the new
   * payload replaces it (bursts coalesce into one push); otherwise the job is due `minIntervalMs`
   * after the device's previous one at the earliest.
   */
  enqueue(
    deviceId: string,
    payload: string,
    minIntervalMs: number,
    now: number,
  ): Promise<'queued' | 'coalesced'>;
  /** Leases up to `limit` due jobs until `leaseUntil`; a crashed worker's lease expires. */
  claim(limit: number, now: number, leaseUntil: number): Promise<Job[]>;
  complete(id: string): Promise<void>;
  /** Puts a leased job back, due at `dueAt` (dropped if a newer job for the device waits). */
  retry(id: string, dueAt: number): Promise<void>;
  /** Waiting jobs and the age of the oldest, for health and metrics. */
  stats(now: number): Promise<{ depth: number; oldestAgeMs: number }>;
}
