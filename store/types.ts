import type { ProviderName } from '../lib/providers.js';

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
  readonly collected: CollectedStore;
  readonly devices: DeviceStore;
  readonly tokens: TokenStore;
  readonly queue: QueueStore;
  readonly sessions: SessionStore;
  /**
   * The rate limiter named `options.name`: the same one for every call with that name (its
   * options must not change), shared by every process using this store where the store allows.
   */
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

// ---- tokens collected from users' clients ------------------------------------------------------

/** A whitelist token a user's client handed to this component, kept as a fallback target. */
export interface CollectedToken {
  /** Bare JID of the user whose client gave it. */
  jid: string;
  /** `token` (of this relay, by id) or `remote` (another relay's token, kept to send on). */
  target: Exclude<Target, { kind: 'device' }>;
  createdAt: number;
}

export interface CollectedStore {
  /** Keeps the token, replacing the one the user gave earlier for the same relay. */
  put(c: CollectedToken): Promise<void>;
  /** The user's collected tokens, oldest first. */
  listByJid(jid: string): Promise<CollectedToken[]>;
  /** Forgets the user's token for `relay` (`local` for this relay's own); false when none. */
  remove(jid: string, relay: string): Promise<boolean>;
}

/** The relay a target goes through: `local` for this relay, else a `[[relays]]` name. */
export const targetRelay = (t: Target): string => (t.kind === 'remote' ? t.relay : 'local');

// ---- devices ---------------------------------------------------------------------------------

/** Which of an APNs app's two services a device's build talks to. */
export type Environment = 'production' | 'sandbox';

/** How a device is reached: the app it belongs to and, for APNs, the environment and kind. */
export interface DeviceRoute {
  /** The `[[apps]]` name; absent on devices stored before apps existed (the provider's default app). */
  app?: string;
  /** For an APNs app serving both environments: the one this device's build uses. */
  environment?: Environment;
  /** A PushKit (VoIP) token: its pushes are calls, sent with the app's VoIP topic. */
  voip?: boolean;
}

export interface DeviceInput extends DeviceRoute {
  /** Account id. */
  owner: string;
  provider: ProviderName;
  /** The app's own identifier for the device; unique per owner and provider. */
  deviceId: string;
  /** The APNs or FCM token. Never logged. */
  deviceToken: string;
  name?: string;
}

export interface Device extends DeviceRoute {
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
  /**
   * Adds the device, or updates token, name and route of the same owner/provider/deviceId and
   * reactivates it.
   */
  upsert(device: DeviceInput, now: number): Promise<Device>;
  get(id: string): Promise<Device | undefined>;
  /** The owner's device with this provider and deviceId. */
  find(owner: string, provider: ProviderName, deviceId: string): Promise<Device | undefined>;
  listByOwner(owner: string, provider?: ProviderName): Promise<Device[]>;
  /** How many devices the owner has, active or not (for its quota): an indexed count. */
  countByOwner(owner: string): Promise<number>;
  /** Changes name, token or active flag of an owner's device; undefined when not theirs. */
  update(
    id: string,
    owner: string,
    changes: { name?: string; deviceToken?: string; active?: boolean },
  ): Promise<Device | undefined>;
  /**
   * Removes a device with its device-scoped tokens, the registrations that target it and its
   * jobs; undefined when there was none.
   */
  remove(id: string): Promise<Device | undefined>;
  recordSuccess(id: string, now: number): Promise<void>;
  /** Records a failure; `dead` retires the device so no push goes to it again. */
  recordError(id: string, reason: string, now: number, dead: boolean): Promise<void>;
}

// ---- whitelist tokens ------------------------------------------------------------------------

/** A whitelist token before the store gave it an id: a capability to push, stored by hash. */
export type NewToken = {
  /** The account the token belongs to: only it may revoke the token. */
  owner: string;
  name: string;
  createdAt: number;
  expiresAt?: number;
} & (
  | /** Pushes go to every active device of the owner, whichever devices come and go. */
  { scope: 'account' }
  /** Pushes go to this device of the owner only; the token ends with the device. */
  | { scope: 'device'; deviceId: string }
);

export type TokenRecord = NewToken & { id: string };

export interface TokenStore {
  /**
   * Stores a token by its hash (the token itself is never stored). Rejects when the owner does
   * not exist, or a device-scoped token names a device of another account.
   */
  add(tokenHash: string, t: NewToken): Promise<TokenRecord>;
  get(id: string): Promise<TokenRecord | undefined>;
  getByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  listByOwner(owner: string): Promise<TokenRecord[]>;
  /** How many tokens the owner has, expired ones not yet purged included: an indexed count. */
  countByOwner(owner: string): Promise<number>;
  /**
   * Removes the tokens whose `expiresAt` is at or before `now`, as a revocation would (with the
   * registrations and collected tokens that point at them); returns how many went.
   */
  purgeExpired(now: number): Promise<number>;
  /**
   * Revokes at once, with the registrations and collected tokens that point at it; false when
   * there was no such token of this owner.
   */
  removeByHash(tokenHash: string, owner: string): Promise<boolean>;
  removeById(id: string, owner: string): Promise<boolean>;
}

// ---- delivery queue --------------------------------------------------------------------------

export type Priority = 'high' | 'low';

/** What is queued for a device: a JSON object (opaque to the store) and its priority. */
export interface QueuedPush {
  payload: string;
  priority: Priority;
}

export interface Job extends QueuedPush {
  id: string;
  deviceId: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  createdAt: number;
  /** This claim's token: only its holder may extend, complete or retry the job. */
  lease: string;
}

/** A claimed job as its holder names it. */
export type Lease = Pick<Job, 'id' | 'lease'>;

export interface QueueStore {
  /**
   * Durably enqueues a push for a device, made at `now`. While a job for the device waits untried,
   * the push merges into it (`coalesced`): the members of the newer payload (the later made: a
   * push enqueued after a later one, as two processes may, does not overwrite it) replace the
   * others, members only one has stay, and the priority is the higher of the two. Otherwise a new
   * job is due `minIntervalMs` after the device's previous one at the earliest (the first one at once).
   * A job parked in retry backoff is never merged into: the new push takes its content along
   * (merged the same way) and replaces it, with fresh attempts.
   */
  enqueue(
    deviceId: string,
    push: QueuedPush,
    minIntervalMs: number,
    now: number,
  ): Promise<'queued' | 'coalesced'>;
  /**
   * As `enqueue`; and a job due at once (a new one, or a parked one the push revives) is leased
   * to the caller until `leaseUntil` in the same commit, as `claim` leases it, and returned: the
   * caller delivers it without claiming it. A push that merges or is spaced out is not leased.
   */
  enqueueLeased(
    deviceId: string,
    push: QueuedPush,
    minIntervalMs: number,
    now: number,
    leaseUntil: number,
  ): Promise<'queued' | 'coalesced' | Job>;
  /**
   * Leases up to `limit` due jobs until `leaseUntil`, atomically: two workers never get the same
   * lease. A crashed worker's lease expires and the job is claimed again (at least once), unless
   * a newer job for its device waits untried and is due: that one takes its content along (merged
   * as in enqueue) and it is dropped, so that the device gets one push, not the old one again
   * (its holder had likely sent it) and then the new one.
   */
  claim(limit: number, now: number, leaseUntil: number): Promise<Job[]>;
  /** Moves the end of the leases still held to `leaseUntil`, in one call (a heartbeat). */
  extend(leases: readonly Lease[], leaseUntil: number): Promise<void>;
  /** Removes the job; nothing when `job.lease` is no longer its lease (claimed again since). */
  complete(job: Lease): Promise<void>;
  /**
   * Parks a leased job until `dueAt` (nothing for a stale lease, as in complete); `untried`: the
   * attempt it was claimed for does not count. When a newer job for the device waits, the newer
   * one takes this one's content along (merged as in enqueue) and this one is dropped.
   */
  retry(job: Lease, dueAt: number, untried?: boolean): Promise<void>;
  /** Jobs in the queue and the age of the oldest, for health and metrics. */
  stats(now: number): Promise<{ depth: number; oldestAgeMs: number }>;
}

// ---- ad-hoc command sessions ----------------------------------------------------------------

/** A XEP-0050 command that showed its form and waits for it: who may complete it, and which. */
export interface CommandSession {
  node: string;
  /** Full JID of the requester: only it may complete the session. */
  from: string;
}

export interface SessionStore {
  /**
   * Keeps the session `id` until `expiresAt`; 'full' (nothing kept) when `owner` (a bare JID)
   * already has `max` sessions open that have not expired.
   */
  open(
    id: string,
    session: CommandSession & { owner: string },
    o: { now: number; expiresAt: number; max: number },
  ): Promise<'opened' | 'full'>;
  /**
   * Removes the session `id` when it is the one `session` names (its node and full JID) and has
   * not expired; whether it did. Two takers never both get it; a sender that is not the one who
   * opened it cannot end it.
   */
  take(id: string, session: CommandSession, now: number): Promise<boolean>;
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
