// The storage interface: `Store` below; the types of its parts, in types/, are re-exported here.
import type { AccountStore } from './types/accounts.js';
import type { CollectedStore } from './types/collected.js';
import type { DeviceStore } from './types/devices.js';
import type { Limiter, LimiterOptions } from './types/limiter.js';
import type { QueueStore } from './types/queue.js';
import type { RegistrationStore } from './types/registrations.js';
import type { SessionStore } from './types/sessions.js';
import type { TokenStore } from './types/tokens.js';

export type { Account, AccountStore } from './types/accounts.js';
export type { CollectedStore, CollectedToken } from './types/collected.js';
export { targetRelay } from './types/collected.js';
export type {
  Device,
  DeviceInput,
  DeviceRoute,
  DeviceStore,
  Environment,
} from './types/devices.js';
export type { Limiter, LimiterOptions } from './types/limiter.js';
export type { Job, Lease, Priority, QueuedPush, QueueStore } from './types/queue.js';
export type { Registration, RegistrationStore, Target } from './types/registrations.js';
export type { CommandSession, SessionStore } from './types/sessions.js';
export type { NewToken, TokenRecord, TokenStore } from './types/tokens.js';

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
