// Store types, accounts: who owns devices and tokens, with their API keys.

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
