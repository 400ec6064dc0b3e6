// Runs the store contract against the embedded SQLite store (a fresh folder per test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeStoreContract } from './contract.js';
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
