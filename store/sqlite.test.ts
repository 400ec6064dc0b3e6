// Runs the store contract against the embedded SQLite store (a fresh folder per test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { describeStoreContract } from './contract.js';
import { openStore } from './open.js';
import { openSqliteStore } from './sqlite/index.js';

describeStoreContract(
  'sqlite',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-store-'));
    return {
      open: async () => openSqliteStore(dir),
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
  { sharedLimits: false },
);

describe('openStore', () => {
  it('opens SQLite when no URL is given', async () => {
    const store = await openStore({ path: ':memory:' });
    await store.ping();
    expect(await store.accounts.create({ username: 'a' }, 1)).toMatchObject({ username: 'a' });
    await store.close();
  });

  it('refuses a URL it cannot use without repeating it', async () => {
    const err = await openStore({ path: ':memory:', url: 'http://u:hunter2@h/' }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('hunter2');
  });
});
