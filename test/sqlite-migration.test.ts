// A store written by schema 1 (registrations holding whitelist tokens in clear, collected tokens
// as made-up registrations) opens, migrates to schema 2 without losing a registration, device or
// token, and takes publishes through the migrated registrations.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { call, publishOver, publishXml, queued, relayOver } from '../component/test-kit.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { migrate } from '../store/sqlite/schema.js';
import type { Store } from '../store/types.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const tok = (c: string) => c.repeat(40);
const ROMEO = 'romeo@localhost';
const JULIET = 'juliet@localhost';

let dir: string;
let store: Store | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-migrate-'));
  const db = new Database(path.join(dir, 'relay.sqlite'));
  migrate(db, 1);
  // As schema 1 wrote it: romeo registered an APNs phone (plain and for a room), each
  // registration with a device token of its own; juliet registered alice's HTTP token with
  // register-push-relay; romeo has a remote registration and two collected tokens.
  db.exec(`
    INSERT INTO accounts VALUES (1, 'xmpp:${ROMEO}', NULL, NULL, 10), (2, 'alice', NULL, 'h', 11);
    INSERT INTO devices (id, owner, provider, device_id, device_token, created_at)
      VALUES (1, 1, 'apns', 'phone', '${'ab'.repeat(32)}', 20),
             (2, 2, 'fcm', 'token:x', 'fcm-token-0123456789', 21);
    INSERT INTO tokens (id, hash, device_id, owner, scope, name, created_at, expires_at) VALUES
      (1, '${sha256(tok('1'))}', 1, 1, 'device', 'xmpp', 30, NULL),
      (2, '${sha256(tok('2'))}', 1, 1, 'device', 'xmpp:room@conference.localhost', 31, NULL),
      (3, '${sha256(tok('3'))}', 2, 2, 'account', 'for juliet', 32, 9999999999999),
      (6, '${sha256(tok('6'))}', 1, 1, 'account', 'collected', 33, 9999999999999);
    INSERT INTO registrations VALUES
      ('n1', '${sha256('s1')}', '${ROMEO}', '', 'apns', 'phone', 'local', '${tok('1')}', 40),
      ('n2', '${sha256('s2')}', '${ROMEO}', 'room@conference.localhost', 'apns', 'phone', 'local', '${tok('2')}', 41),
      ('n3', '${sha256('s3')}', '${JULIET}', '', 'relay', 'from-alice', 'local', '${tok('3')}', 42),
      ('n4', '${sha256('s4')}', '${ROMEO}', '', 'relay', 'relay-1', 'other', '${tok('4')}', 43),
      ('n5', 'x', '${ROMEO}', '', 'relay', 'collected:local', 'local', '${tok('6')}', 44),
      ('n6', 'x', '${ROMEO}', '', 'relay', 'collected:other', 'other', '${tok('7')}', 45),
      ('n7', '${sha256('s7')}', '${ROMEO}', '', 'relay', 'revoked', 'local', '${tok('8')}', 46);
    INSERT INTO jobs (device_id, payload, attempts, due_at, leased_until, created_at) VALUES
      (1, '{"priority":"low","messageCount":2}', 0, 50, 0, 50),
      (2, '{"priority":"high","data":"hi"}', 2, 99999, 0, 51);
  `);
  db.close();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps every registration, device and token, and no local token in clear', async () => {
  store = openSqliteStore(dir);
  const s = store;
  expect(await s.registrations.listByJid(ROMEO)).toMatchObject([
    { node: 'n1', provider: 'apns', deviceId: 'phone', target: { kind: 'device', device: '1' } },
    { node: 'n2', muc: 'room@conference.localhost', target: { kind: 'device', device: '1' } },
    { node: 'n4', target: { kind: 'remote', relay: 'other', token: tok('4') } },
  ]);
  expect(await s.registrations.listByJid(JULIET)).toMatchObject([
    { node: 'n3', provider: 'relay', target: { kind: 'token', token: '3' } },
  ]);
  // n7's token was revoked before: it could never push, and is gone.
  expect(await s.registrations.get('n7')).toBeUndefined();
  expect(await s.collected.listByJid(ROMEO)).toEqual([
    { jid: ROMEO, target: { kind: 'token', token: '6' }, createdAt: 44 },
    { jid: ROMEO, target: { kind: 'remote', relay: 'other', token: tok('7') }, createdAt: 45 },
  ]);
  expect(await s.devices.listByOwner('1')).toMatchObject([{ id: '1', deviceId: 'phone' }]);
  expect(await s.devices.listByOwner('2')).toMatchObject([{ id: '2' }]);
  // The registrations' own tokens went; the tokens people hold stay, account-wide.
  expect(await s.tokens.listByOwner('1')).toMatchObject([{ id: '6', scope: 'account' }]);
  expect(await s.tokens.get('3')).toEqual({
    id: '3',
    owner: '2',
    scope: 'account',
    name: 'for juliet',
    createdAt: 32,
    expiresAt: 9999999999999,
  });
  const raw = new Database(path.join(dir, 'relay.sqlite'), { readonly: true });
  const rows = JSON.stringify([
    raw.prepare('SELECT * FROM registrations').all(),
    raw.prepare('SELECT * FROM collected').all(),
  ]);
  raw.close();
  for (const c of ['1', '2', '3', '6']) expect(rows).not.toContain(tok(c));
});

it('publishes through the migrated registrations, and keeps the queued jobs', async () => {
  store = openSqliteStore(dir);
  const route = publishOver(relayOver(store));
  const publish = (node: string, secret: string) => publishXml(node, secret);
  expect(await call(route, 'localhost', publish('n1', 's1'))).toEqual({ result: undefined });
  expect(await call(route, 'localhost', publish('n3', 's3'))).toEqual({ result: undefined });
  expect(await call(route, 'localhost', publish('n7', 's7'))).toMatchObject({
    error: 'item-not-found',
  });
  // Romeo's waiting job took the publish in (priority raised); the parked one for alice's
  // device was taken along by the new push instead of waiting out its backoff.
  expect(await queued(store)).toEqual([
    { messageCount: 2, priority: 'high' },
    { data: 'hi', priority: 'high' },
  ]);
});
