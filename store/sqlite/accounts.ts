// SQLite accounts and their API keys (removing an account cascades through foreign keys).
import type { Database } from 'better-sqlite3';
import type { Account, AccountStore } from '../types.js';

interface Row {
  id: number;
  username: string;
  email: string | null;
  password_hash: string | null;
  created_at: number;
}

function toAccount(r: Row): Account {
  return {
    id: String(r.id),
    username: r.username,
    email: r.email ?? undefined,
    passwordHash: r.password_hash ?? undefined,
    createdAt: r.created_at,
  };
}

export function sqliteAccounts(db: Database): AccountStore {
  const insert = db.prepare(
    `INSERT INTO accounts (username, email, password_hash, created_at)
     VALUES (@username, @email, @passwordHash, @now)
     ON CONFLICT (username) DO NOTHING
     RETURNING *`,
  );
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const byName = db.prepare('SELECT * FROM accounts WHERE username = ?');
  const remove = db.prepare('DELETE FROM accounts WHERE id = ?');
  const addKey = db.prepare('INSERT INTO api_keys (hash, account_id, created_at) VALUES (?, ?, ?)');
  const byKey = db.prepare(
    'SELECT accounts.* FROM api_keys JOIN accounts ON accounts.id = api_keys.account_id WHERE hash = ?',
  );
  const one = (row: unknown) => (row ? toAccount(row as Row) : undefined);

  return {
    async create(a, now) {
      const row = insert.get({
        username: a.username,
        email: a.email ?? null,
        passwordHash: a.passwordHash ?? null,
        now,
      });
      return row ? toAccount(row as Row) : 'conflict';
    },
    async get(id) {
      return one(byId.get(id));
    },
    async getByUsername(username) {
      return one(byName.get(username));
    },
    async remove(id) {
      return remove.run(id).changes > 0;
    },
    async addApiKey(keyHash, accountId, now) {
      addKey.run(keyHash, accountId, now);
    },
    async getByApiKey(keyHash) {
      return one(byKey.get(keyHash));
    },
  };
}
