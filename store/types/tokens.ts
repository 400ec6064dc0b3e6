// Store types, whitelist tokens: capabilities to push to an account's devices.

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
