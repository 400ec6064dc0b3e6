// The embedded store: one SQLite file in a folder (or in memory), for a single process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../types.js';
import { sqliteAccounts } from './accounts.js';
import { sqliteCollected } from './collected.js';
import { sqliteDevices } from './devices.js';
import { groupCommit } from './group-commit.js';
import { memoryLimiters } from './limiter.js';
import { sqliteQueue } from './queue.js';
import { sqliteRegistrations } from './registrations.js';
import { migrate } from './schema.js';
import { sqliteSessions } from './sessions.js';
import { sqliteTokens } from './tokens.js';

/**
 * How long a write that may wait (a delivered push's records) waits for another commit to join.
 * A crash loses at most this much of them: those pushes go out again (at least once).
 */
const LATER_MS = 20;

/** The embedded store: one SQLite file in `dir` (or in memory for `:memory:`). */
export function openSqliteStore(dir: string): Store {
  let file = ':memory:';
  if (dir !== ':memory:') {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = join(dir, 'relay.sqlite');
  }
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash; only a power loss may drop the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return sqliteStoreOver(db);
}

/** The store over an open, migrated connection (the benchmark batches commits on its own). */
export function sqliteStoreOver(db: Database.Database): Store {
  const commits = groupCommit(db, LATER_MS);
  return {
    accounts: sqliteAccounts(db),
    registrations: sqliteRegistrations(db),
    collected: sqliteCollected(db),
    devices: sqliteDevices(db, commits),
    tokens: sqliteTokens(db),
    queue: sqliteQueue(db, commits),
    sessions: sqliteSessions(db),
    limiter: memoryLimiters(),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      commits.flush();
      db.close();
    },
  };
}
