// Redis schema version and its migrations, run once under a lock when a store opens.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { indexExpiry } from './migrate-expiry.js';
import { migrateTargets } from './migrate-targets.js';

/** Migration n takes the data from schema n to n + 1; `prefix` is the versioned key prefix. */
type Migration = (redis: Redis, prefix: string) => Promise<void>;

const migrations: Migration[] = [
  // 1: the first layout; its keys are made on first use.
  async () => {},
  // 2: registrations and collected tokens name their targets (see index.ts).
  migrateTargets,
  // 3: tokens that expire are indexed by their expiry, to purge them.
  indexExpiry,
];

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end";

/** Brings `<base>:schema` up to date; refuses data written by a newer program. */
export async function migrate(redis: Redis, base: string, prefix: string): Promise<void> {
  const versionKey = `${base}:schema`;
  const version = async () => {
    const v = Number((await redis.get(versionKey)) ?? 0);
    if (v > migrations.length) {
      throw new Error(`store schema ${v} is newer than this program (${migrations.length})`);
    }
    return v;
  };
  if ((await version()) === migrations.length) return;
  const lock = `${versionKey}:lock`;
  const me = randomUUID();
  const deadline = Date.now() + 60_000;
  while ((await redis.set(lock, me, 'PX', 60_000, 'NX')) === null) {
    if (Date.now() > deadline) throw new Error('store migration lock is held by another process');
    await sleep(100);
  }
  try {
    for (let v = await version(); v < migrations.length; v++) {
      await (migrations[v] as Migration)(redis, prefix);
      await redis.set(versionKey, v + 1);
    }
  } finally {
    await redis.eval(RELEASE, 1, lock, me);
  }
}
