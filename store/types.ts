import type { ProviderName } from '../relay/provider.js';

/**
 * The storage interface shared by the component and the relay, implemented by the embedded
 * SQLite store and the Redis store and checked by one contract suite (store/contract.ts).
 * Expected outcomes come back as values (`undefined`, `false`, `'conflict'`); a thrown error
 * means the store itself is in trouble. Ids are opaque strings of decimal digits (the HTTP API
 * shows them as numbers, like the ChatSecure push server).
 */
export interface Store {
  readonly accounts: AccountStore;
  readonly registrations: RegistrationStore;
  readonly devices: DeviceStore;
  readonly tokens: TokenStore;
  readonly queue: QueueStore;
  /** A rate limiter shared by every process using this store. */
  limiter(options: LimiterOptions): Limiter;
  /** Resolves when the store answers; rejects when it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---- accounts -------------------------------------------------------------------------------

export interface Account {
  id: string;
  /** HTTP accounts: letters, digits and @.+-_ ; XMPP accounts: `xmpp:` + bare JID. */
  username: string;
  email?: string;
  /** scrypt hash (see relay/passwords.ts); absent for accounts that cannot log in over HTTP. */
  passwordHash?: string;
  createdAt: number;
}

export interface AccountStore {
  /** Creates an account; 'conflict' when the username is taken. */
  create(
    a: { username: string; email?: string; passwordHash?: string },
    now: number,
  ): Promise<Account | 'conflict'>;
  get(id: string): Promise<Account | undefined>;
  getByUsername(username: string): Promise<Account | undefined>;
  /** Removes the account with its API keys, devices, tokens and waiting jobs. */
  remove(id: string): Promise<boolean>;
  /** API keys (`Authorization: Token …`): only the hash is stored. */
  addApiKey(keyHash: string, accountId: string, now: number): Promise<void>;
  getByApiKey(keyHash: string): Promise<Account | undefined>;
}

// ---- XEP-0357 registrations ------------------------------------------------------------------

/** A XEP-0357 registration made over ad-hoc commands: node + secret → relay token. */
export interface Registration {
  node: string;
  secretHash: string;
  /** Bare JID of the user who registered. */
  jid: string;
  /** Bare JID of the MUC the registration is for, if any (publishes then come from its domain). */
  muc?: string;
  /** How the device is reached: through this relay's APNs/FCM, or a token of another relay. */
  provider: ProviderName | 'relay';
  /** The device identifier the client sent (`device-id` / `android-id`). */
  deviceId: string;
  /** Which relay holds the token (`local` for this process, else a `[[relays]]` name). */
  relay: string;
  token: string;
  createdAt: number;
}

export interface RegistrationStore {
  get(node: string): Promise<Registration | undefined>;
  /** Stores `reg`, replacing any registration of the same jid, provider, deviceId and muc. */
  put(reg: Registration): Promise<{ replaced: Registration[] }>;
  /** Removes the registrations of this jid's device (only those of `muc` when given). */
  remove(key: {
    jid: string;
    provider: Registration['provider'];
    deviceId: string;
    muc?: string;
  }): Promise<Registration[]>;
  listByJid(jid: string): Promise<Registration[]>;
}

// ---- devices ---------------------------------------------------------------------------------

export interface DeviceInput {
  /** Account id. */
  owner: string;
  provider: ProviderName;
  /** The app's own identifier for the device; unique per owner and provider. */
  deviceId: string;
  /** The APNs or FCM token. Never logged. */
  deviceToken: string;
  name?: string;
}

export interface Device {
  id: string;
  owner: string;
  provider: ProviderName;
  deviceId: string;
  deviceToken: string;
  name?: string;
  active: boolean;
  createdAt: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
  successCount: number;
  errorCount: number;
}

export interface DeviceStore {
  /** Adds the device, or updates token and name of the same owner/provider/deviceId and reactivates it. */
  upsert(device: DeviceInput, now: number): Promise<Device>;
  get(id: string): Promise<Device | undefined>;
  listByOwner(owner: string, provider?: ProviderName): Promise<Device[]>;
  /** Changes name, token or active flag of an owner's device; undefined when not theirs. */
  update(
    id: string,
    owner: string,
    changes: { name?: string; deviceToken?: string; active?: boolean },
  ): Promise<Device | undefined>;
  /** Removes a device with its tokens and waiting jobs; undefined when there was none. */
  remove(id: string): Promise<Device | undefined>;
  recordSuccess(id: string, now: number): Promise<void>;
  /** Records a failure; `dead` retires the device so no push goes to it again. */
  recordError(id: string, reason: string, now: number, dead: boolean): Promise<void>;
}

// ---- whitelist tokens ------------------------------------------------------------------------

export interface TokenRecord {
  id: string;
  /** The device the token was made for. */
  deviceId: string;
  /** Account of that device. */
  owner: string;
  /** `account`: pushes go to every active device of the owner; `device`: to that device only. */
  scope: 'account' | 'device';
  name: string;
  createdAt: number;
  expiresAt?: number;
}

export interface TokenStore {
  /** Stores a token by its hash (the token itself is never stored). */
  add(tokenHash: string, t: Omit<TokenRecord, 'id'>): Promise<TokenRecord>;
  getByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  listByOwner(owner: string): Promise<TokenRecord[]>;
  /** Revokes at once; false when there was no such token of this owner. */
  removeByHash(tokenHash: string, owner: string): Promise<boolean>;
  removeById(id: string, owner: string): Promise<boolean>;
}

// ---- delivery queue --------------------------------------------------------------------------

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
   * after the device's previous one at the earliest (the first one at once).
   */
  enqueue(
    deviceId: string,
    payload: string,
    minIntervalMs: number,
    now: number,
  ): Promise<'queued' | 'coalesced'>;
  /**
   * Leases up to `limit` due jobs until `leaseUntil`, atomically: two workers never get the same
   * lease. A crashed worker's lease expires and the job is claimed again (at least once).
   */
  claim(limit: number, now: number, leaseUntil: number): Promise<Job[]>;
  complete(id: string): Promise<void>;
  /** Puts a leased job back, due at `dueAt` (dropped if a newer job for the device waits). */
  retry(id: string, dueAt: number): Promise<void>;
  /** Jobs in the queue and the age of the oldest, for health and metrics. */
  stats(now: number): Promise<{ depth: number; oldestAgeMs: number }>;
}

// ---- rate limits -----------------------------------------------------------------------------

export interface LimiterOptions {
  /** Distinguishes limiters sharing one store. */
  name: string;
  points: number;
  durationS: number;
}

export interface Limiter {
  /** Takes one point for `key`; when none is left, says how long until one is. */
  consume(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
  /** Like consume, but takes nothing: says whether `key` has no points left now. */
  peek(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}
