// Pre-creates XEP-0357 registrations in a SQLite store folder, or in Redis, through the real
// registration code path: component/registrar.ts → relay/service.ts → store/{sqlite,redis}/*.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRegistrar, type Registrar } from '../component/registrar.js';
import { createLogger } from '../lib/log.js';
import { createRelay } from '../relay/relay.js';
import { testApps } from '../relay/test-kit.js';
import { openRedisStore } from '../store/redis/index.js';
import { openSqliteStore, sqliteStoreOver } from '../store/sqlite/index.js';
import { migrate } from '../store/sqlite/schema.js';
import type { Store } from '../store/types.js';

/** The device token of registration `i`: 32 bytes of hex, like a real APNs token. */
export const deviceToken = (i: number) => i.toString(16).padStart(64, '0');
/** Inverse of deviceToken (the fake APNs reports tokens back as numbers). */
export const tokenIndex = (token: string) => Number.parseInt(token, 16);
export const userJid = (i: number) => `u${i}@localhost`;

export interface Credentials {
  node: string;
  secret: string;
}

export interface RegistrationReport {
  total: number;
  /** Registrations made through openSqliteStore (one commit per statement, as in production). */
  apiCount: number;
  apiPerS: number;
  /** The rest: the same code, on a connection whose commits are batched. */
  bulkCount: number;
  bulkPerS: number;
  /** Node and secret of registrations 0..keep-1 (registration i has deviceToken(i)). */
  credentials: Credentials[];
}

function registrarFor(store: Store): Registrar {
  const log = createLogger('silent');
  const relay = createRelay({
    store,
    apps: testApps(),
    tokenTtlMs: 30 * 86_400_000,
    ratePerMinute: 120,
    limits: { perTokenPerMinute: 60, perAccountPerMinute: 300, missesPerMinute: 30 },
    remotes: [],
    onEnqueued: () => undefined,
    log,
  });
  return createRegistrar({ store, ...relay, log });
}

/** Registration `i`: user u<i>@localhost, device d<i>, token deviceToken(i). */
async function registerOne(r: Registrar, i: number): Promise<Credentials> {
  const c = await r.register({
    jid: userJid(i),
    deviceId: `d${i}`,
    provider: 'apns',
    deviceToken: deviceToken(i),
  });
  if ('refused' in c) throw new Error(`registration ${i} refused: ${c.refused}`);
  if ('over' in c) throw new Error(`registration ${i} over quota: ${c.over}`);
  return { node: c.node, secret: c.secret ?? '' };
}

/**
 * Creates registrations `first`…`first + total - 1` in Redis through the same registration code
 * (openRedisStore, as the running process opens it), `parallel` at a time; returns the
 * credentials of all of them, in order.
 */
export async function createRedisRegistrations(o: {
  url: string;
  first: number;
  total: number;
  parallel?: number;
  deadlineMs: number;
  onProgress?: (done: number) => void;
}): Promise<{ credentials: Credentials[]; perS: number }> {
  const credentials: Credentials[] = new Array(o.total);
  const deadline = Date.now() + o.deadlineMs;
  const store = await openRedisStore(o.url);
  const t0 = performance.now();
  let next = 0;
  let failed = false;
  try {
    const r = registrarFor(store);
    const workers = await Promise.allSettled(
      Array.from({ length: o.parallel ?? 32 }, async () => {
        try {
          for (let k = next++; k < o.total && !failed; k = next++) {
            credentials[k] = await registerOne(r, o.first + k);
            if (k % 1000 === 999) {
              if (Date.now() > deadline) {
                throw new Error(`creating Redis registrations took over ${o.deadlineMs} ms`);
              }
              o.onProgress?.(k + 1);
            }
          }
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    );
    for (const w of workers) if (w.status === 'rejected') throw w.reason;
  } finally {
    await store.close();
  }
  return { credentials, perS: o.total / ((performance.now() - t0) / 1000) };
}

/**
 * openSqliteStore() exposes neither its connection nor a transaction, so batching needs its own
 * connection: the same pragmas and migrations, the same store over it (sqliteStoreOver), with
 * commits grouped by BEGIN/COMMIT around many calls.
 */
export function openBatchableStore(dir: string): { store: Store; db: Database.Database } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dir, 'relay.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return { store: sqliteStoreOver(db), db };
}

/**
 * Creates `total` registrations (user i: jid u<i>@localhost, device d<i>, token deviceToken(i))
 * in the store folder `dir`: the first `apiCount` through openSqliteStore as the running
 * process would, the rest batched `batch` per commit. `onProgress(done)` is called now and then.
 */
export async function createRegistrations(o: {
  dir: string;
  total: number;
  apiCount: number;
  keep: number;
  batch?: number;
  deadlineMs: number;
  onProgress?: (done: number) => void;
}): Promise<RegistrationReport> {
  const credentials: Credentials[] = [];
  const apiCount = Math.min(o.apiCount, o.total);
  const deadline = Date.now() + o.deadlineMs;
  const register = async (r: Registrar, i: number) => {
    const c = await registerOne(r, i);
    if (i < o.keep) credentials[i] = c;
  };
  const tooLong = () => {
    if (Date.now() > deadline)
      throw new Error(`creating registrations took over ${o.deadlineMs} ms`);
  };

  const api = openSqliteStore(o.dir);
  const t0 = performance.now();
  try {
    const r = registrarFor(api);
    for (let i = 0; i < apiCount; i++) {
      await register(r, i);
      if (i % 500 === 499) {
        tooLong();
        o.onProgress?.(i + 1);
      }
    }
  } finally {
    await api.close();
  }
  const apiMs = performance.now() - t0;

  const batch = o.batch ?? 20_000;
  const { store, db } = openBatchableStore(o.dir);
  const t1 = performance.now();
  try {
    const r = registrarFor(store);
    for (let start = apiCount; start < o.total; start += batch) {
      tooLong();
      db.exec('BEGIN');
      try {
        const end = Math.min(o.total, start + batch);
        for (let i = start; i < end; i++) await register(r, i);
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
      o.onProgress?.(Math.min(o.total, start + batch));
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const bulkMs = performance.now() - t1;
  const bulkCount = o.total - apiCount;
  return {
    total: o.total,
    apiCount,
    apiPerS: apiCount / (apiMs / 1000),
    bulkCount,
    bulkPerS: bulkCount / (bulkMs / 1000),
    credentials,
  };
}
