// SQLite schema and its migrations (tracked in PRAGMA user_version).
import type { Database } from 'better-sqlite3';

/** Schema migrations, applied in order; `user_version` records how many ran. */
const migrations = [
  `CREATE TABLE accounts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     username TEXT NOT NULL UNIQUE,
     email TEXT,
     password_hash TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE api_keys (
     hash TEXT PRIMARY KEY,
     account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX api_keys_account ON api_keys(account_id);
   CREATE TABLE devices (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     owner INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
     provider TEXT NOT NULL,
     device_id TEXT NOT NULL,
     device_token TEXT NOT NULL,
     name TEXT,
     active INTEGER NOT NULL DEFAULT 1,
     created_at INTEGER NOT NULL,
     last_success_at INTEGER,
     last_error_at INTEGER,
     last_error TEXT,
     success_count INTEGER NOT NULL DEFAULT 0,
     error_count INTEGER NOT NULL DEFAULT 0,
     last_due_at INTEGER,
     UNIQUE (owner, provider, device_id)
   );
   CREATE TABLE tokens (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     hash TEXT NOT NULL UNIQUE,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     owner INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
     scope TEXT NOT NULL CHECK (scope IN ('account', 'device')),
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER
   );
   CREATE INDEX tokens_device ON tokens(device_id);
   CREATE INDEX tokens_owner ON tokens(owner);
   CREATE TABLE registrations (
     node TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     jid TEXT NOT NULL,
     muc TEXT NOT NULL DEFAULT '',
     provider TEXT NOT NULL,
     device_id TEXT NOT NULL,
     relay TEXT NOT NULL,
     token TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     UNIQUE (jid, provider, device_id, muc)
   );
   CREATE TABLE jobs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER NOT NULL,
     leased_until INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX jobs_device ON jobs(device_id);
   CREATE UNIQUE INDEX jobs_waiting ON jobs(device_id) WHERE leased_until = 0;
   CREATE INDEX jobs_due ON jobs(due_at);
   CREATE INDEX jobs_created ON jobs(created_at);`,
];

/** Runs the pending migrations, each in its own write transaction (safe with two openers). */
export function migrate(db: Database): void {
  const step = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new Error(`store schema ${version} is newer than this program (${migrations.length})`);
    }
    const sql = migrations[version];
    if (sql === undefined) return false;
    db.exec(sql);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction
  }
}
