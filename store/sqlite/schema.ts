// SQLite schema and its migrations (tracked in PRAGMA user_version).
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/** Migration n takes the schema from version n to n + 1: SQL, or a function for more. */
type Migration = string | ((db: Database) => void);

/** Schema migrations, applied in order; `user_version` records how many ran. */
const migrations: Migration[] = [
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
  toTargets,
  // 3: a device belongs to an app and, for APNs, an environment; VoIP tokens are devices too.
  `ALTER TABLE devices ADD COLUMN app TEXT;
   ALTER TABLE devices ADD COLUMN environment TEXT CHECK (environment IN ('production', 'sandbox'));
   ALTER TABLE devices ADD COLUMN voip INTEGER NOT NULL DEFAULT 0;`,
  // 4: claim reads only claimable jobs: waiting ones by due time, and leases that ran out.
  `CREATE INDEX jobs_waiting_due ON jobs(due_at, id) WHERE leased_until = 0;
   CREATE INDEX jobs_lease_end ON jobs(leased_until) WHERE leased_until > 0;
   DROP INDEX jobs_due;`,
  // 5: expired tokens are found by their expiry, to purge them.
  'CREATE INDEX tokens_expires ON tokens(expires_at) WHERE expires_at IS NOT NULL;',
  // 6: a claim's token: only the worker holding the current lease may finish a job.
  'ALTER TABLE jobs ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;',
  // 7: ad-hoc command sessions outlive the process that opened them.
  `CREATE TABLE command_sessions (
     id TEXT PRIMARY KEY,
     node TEXT NOT NULL,
     from_jid TEXT NOT NULL,
     owner TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX command_sessions_owner ON command_sessions(owner, expires_at);
   CREATE INDEX command_sessions_expiry ON command_sessions(expires_at);`,
  // 8: when the newest push of a job's content was enqueued: of two jobs of a device, which
  // one's content is newer (their ids do not say once a job was given back and merged into).
  'ALTER TABLE jobs ADD COLUMN pushed_at INTEGER NOT NULL DEFAULT 0;',
];

/**
 * 2: registrations name their target by reference instead of holding a whitelist token; tokens
 * collected from clients get their own table; account tokens no longer hang on a device; jobs
 * carry their priority.
 */
function toTargets(db: Database): void {
  db.function('sha256', { deterministic: true }, (s: unknown) =>
    createHash('sha256').update(String(s), 'utf8').digest('hex'),
  );
  db.exec(`
    CREATE TABLE tokens2 (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      hash TEXT NOT NULL UNIQUE,
      owner INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      scope TEXT NOT NULL CHECK (scope IN ('account', 'device')),
      device_id INTEGER REFERENCES devices(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      CHECK ((scope = 'device') = (device_id IS NOT NULL))
    );
    INSERT INTO tokens2 (id, hash, owner, scope, device_id, name, created_at, expires_at)
      SELECT id, hash, owner, scope, CASE scope WHEN 'device' THEN device_id END, name,
             created_at, expires_at
      FROM tokens;

    CREATE TABLE registrations2 (
      node TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL,
      jid TEXT NOT NULL,
      muc TEXT NOT NULL DEFAULT '',
      provider TEXT NOT NULL,
      device_id TEXT NOT NULL,
      target_device INTEGER REFERENCES devices(id) ON DELETE CASCADE,
      target_token INTEGER REFERENCES tokens2(id) ON DELETE CASCADE,
      remote_relay TEXT,
      remote_token TEXT,
      created_at INTEGER NOT NULL,
      UNIQUE (jid, provider, device_id, muc),
      CHECK ((target_device IS NOT NULL) + (target_token IS NOT NULL)
             + (remote_relay IS NOT NULL AND remote_token IS NOT NULL) = 1)
    );
    CREATE TABLE collected (
      jid TEXT NOT NULL,
      relay TEXT NOT NULL,
      target_token INTEGER REFERENCES tokens2(id) ON DELETE CASCADE,
      remote_token TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (jid, relay),
      CHECK ((target_token IS NOT NULL) + (remote_token IS NOT NULL) = 1)
    );

    -- Each registration's whitelist token, by hash, with what the token points at.
    CREATE TEMP TABLE old_regs AS
      SELECT r.*, t.id AS token_id, t.scope AS token_scope, t.device_id AS token_device,
             r.device_id LIKE 'collected:%' AS collected
      FROM registrations r LEFT JOIN tokens2 t ON r.relay = 'local' AND t.hash = sha256(r.token);

    INSERT INTO collected (jid, relay, target_token, remote_token, created_at)
      SELECT jid, relay, token_id, CASE WHEN relay <> 'local' THEN token END, max(created_at)
      FROM old_regs WHERE collected AND (relay <> 'local' OR token_id IS NOT NULL)
      GROUP BY jid, relay;

    -- A device's registration held a token of its own, made for it alone: the registration
    -- now points at the device, and the token goes.
    INSERT INTO registrations2 (node, secret_hash, jid, muc, provider, device_id, target_device,
                                target_token, remote_relay, remote_token, created_at)
      SELECT node, secret_hash, jid, muc, provider, device_id,
             CASE WHEN own THEN token_device END,
             CASE WHEN relay = 'local' AND NOT own THEN token_id END,
             CASE WHEN relay <> 'local' THEN relay END,
             CASE WHEN relay <> 'local' THEN token END,
             created_at
      FROM (SELECT *, provider <> 'relay' AND token_scope = 'device' AS own FROM old_regs)
      WHERE NOT collected AND (relay <> 'local' OR token_id IS NOT NULL);
    DELETE FROM tokens2 WHERE id IN (
      SELECT token_id FROM old_regs
      WHERE NOT collected AND provider <> 'relay' AND token_scope = 'device');
    DROP TABLE old_regs;

    DROP TABLE registrations;
    DROP TABLE tokens;
    ALTER TABLE tokens2 RENAME TO tokens;
    ALTER TABLE registrations2 RENAME TO registrations;
    CREATE INDEX tokens_owner ON tokens(owner);
    CREATE INDEX tokens_device ON tokens(device_id);
    CREATE INDEX registrations_jid ON registrations(jid, created_at);
    CREATE INDEX registrations_device ON registrations(target_device);
    CREATE INDEX registrations_token ON registrations(target_token);
    CREATE INDEX collected_token ON collected(target_token);

    -- Jobs carry their priority; payloads keep theirs for older readers.
    ALTER TABLE jobs ADD COLUMN priority TEXT NOT NULL DEFAULT 'high'
      CHECK (priority IN ('high', 'low'));
    UPDATE jobs SET priority = 'low' WHERE json_extract(payload, '$.priority') = 'low';
    -- A job that was tried and put back waits in retry backoff: parked.
    ALTER TABLE jobs ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
    UPDATE jobs SET parked = 1 WHERE leased_until = 0 AND attempts > 0;
  `);
}

/**
 * Runs the pending migrations, each in its own write transaction (safe with two openers);
 * `upTo` stops at an older version (tests that write data as an older release did).
 */
export function migrate(db: Database, upTo = migrations.length): void {
  const step = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new Error(`store schema ${version} is newer than this program (${migrations.length})`);
    }
    const migration = migrations[version];
    if (migration === undefined || version >= upTo) return false;
    if (typeof migration === 'string') db.exec(migration);
    else migration(db);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction
  }
}
