import type { Database } from 'better-sqlite3';

/** Schema migrations, applied in order; `user_version` records how many ran. */
const migrations = [
  `CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     provider TEXT NOT NULL,
     device_id TEXT NOT NULL,
     device_token TEXT NOT NULL,
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
     hash TEXT PRIMARY KEY,
     device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER
   );
   CREATE INDEX tokens_device ON tokens(device_id);
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
     device_id TEXT NOT NULL,
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER NOT NULL,
     leased_until INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX jobs_waiting ON jobs(device_id) WHERE leased_until = 0;
   CREATE INDEX jobs_due ON jobs(due_at);`,
];

export function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
