// The relay's HTTP API as the process wires it (createHttpApi over the relay and a real SQLite
// store in a temp dir), seeded with an account, its API key, a device of each provider and a
// whitelist token, so that generated requests can name real credentials and ids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { relayOver } from '../../component/test-kit.js';
import { createLogger } from '../../lib/log.js';
import { createHttpApi } from '../../relay/http/server.js';
import { within } from '../../relay/test-kit.js';
import { openSqliteStore } from '../../store/sqlite/index.js';

export const APNS_TOKEN = 'ab'.repeat(32);
export const FCM_TOKEN = 'fcm-token_0123456789:abcdef';
export const USERNAME = 'alice';
export const PASSWORD = 'a long password';

export interface HttpSeed {
  accountId: string;
  apiKey: string;
  apnsDevice: string;
  fcmDevice: string;
  token: string;
  tokenId: string;
}

export interface HttpWorld {
  app: FastifyInstance;
  seed: HttpSeed;
  /** Changes whenever the store commits a write (SQLite's data_version, seen from outside). */
  version(): number;
  /** Rows per table of the store. */
  rows(): Record<string, number>;
  /** Lines the API logged at level error or above. */
  errors: string[];
  close(): Promise<void>;
}

export async function httpWorld(): Promise<HttpWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-http-'));
  const store = openSqliteStore(dir);
  const kit = relayOver(store, {
    limits: { perTokenPerMinute: 1e6, perAccountPerMinute: 1e6, missesPerMinute: 1e6 },
  });
  const errors: string[] = [];
  const errorLog = createLogger('error', { write: (line: string) => errors.push(line) });
  const app = createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store,
    log: errorLog,
    bodyLimit: 16_384,
    requestTimeoutMs: 5000,
    trustProxy: false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 1e6, requestsPerAddressPerMinute: 1e6 },
    pubsubJid: 'push.localhost',
  });
  await app.ready();

  const login = await kit.service.login(USERNAME, PASSWORD);
  if (typeof login === 'string') throw new Error(login);
  const apns = within(
    await kit.service.addDevice(login.account, 'apns', { registrationId: APNS_TOKEN }),
  );
  const fcm = within(
    await kit.service.addDevice(login.account, 'fcm', { registrationId: FCM_TOKEN }),
  );
  const { token, record } = within(await kit.service.createToken(login.account, 'fuzz'));

  const reader = new Database(join(dir, 'relay.sqlite'), { readonly: true });
  const tables = reader
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all() as string[];
  const counts = tables.map(
    (t) => [t, reader.prepare(`SELECT count(*) FROM "${t}"`).pluck()] as const,
  );
  const dataVersion = reader.prepare('PRAGMA data_version').pluck();

  return {
    app,
    seed: {
      accountId: login.account.id,
      apiKey: login.apiKey,
      apnsDevice: apns.id,
      fcmDevice: fcm.id,
      token,
      tokenId: record.id,
    },
    errors,
    version: () => dataVersion.get() as number,
    rows: () => Object.fromEntries(counts.map(([t, q]) => [t, q.get() as number] as const)),
    async close() {
      await app.close();
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
