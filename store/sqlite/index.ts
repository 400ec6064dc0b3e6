import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../types.js';
import { sqliteDevices } from './devices.js';
import { sqliteQueue } from './queue.js';
import { sqliteRegistrations } from './registrations.js';
import { migrate } from './schema.js';

/** The embedded store: one SQLite file in `dir` (or in memory for `:memory:`). */
export function openSqliteStore(dir: string): Store {
  let file = ':memory:';
  if (dir !== ':memory:') {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = join(dir, 'relay.sqlite');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only a power loss may drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return {
    registrations: sqliteRegistrations(db),
    devices: sqliteDevices(db),
    queue: sqliteQueue(db),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}
