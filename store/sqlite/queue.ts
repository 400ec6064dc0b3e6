// SQLite delivery queue: one waiting job per device (coalescing), leases, rate spacing.
import type { Database } from 'better-sqlite3';
import type { Job, QueueStore } from '../types.js';

interface Row {
  id: number;
  device_id: number;
  payload: string;
  attempts: number;
  created_at: number;
}

// A job is waiting while leased_until = 0 (at most one per device, see the jobs_waiting index);
// a claimed job holds leased_until and is claimable again once that has passed.
export function sqliteQueue(db: Database): QueueStore {
  const coalesce = db.prepare(
    'UPDATE jobs SET payload = ? WHERE device_id = ? AND leased_until = 0',
  );
  const device = db.prepare('SELECT last_due_at FROM devices WHERE id = ?');
  const setLastDue = db.prepare('UPDATE devices SET last_due_at = ? WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO jobs (device_id, payload, due_at, created_at) VALUES (?, ?, ?, ?)',
  );
  const claim = db.prepare(
    `UPDATE jobs SET leased_until = @leaseUntil, attempts = attempts + 1
     WHERE id IN (SELECT id FROM jobs WHERE due_at <= @now AND leased_until <= @now
                  ORDER BY due_at, id LIMIT @limit)
     RETURNING id, device_id, payload, attempts, created_at`,
  );
  const remove = db.prepare('DELETE FROM jobs WHERE id = ?');
  const newerWaiting = db.prepare(
    `SELECT 1 FROM jobs AS other JOIN jobs AS this ON other.device_id = this.device_id
     WHERE this.id = ? AND other.leased_until = 0 AND other.id <> this.id`,
  );
  const putBack = db.prepare('UPDATE jobs SET leased_until = 0, due_at = ? WHERE id = ?');
  const stats = db.prepare('SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM jobs');

  const enqueueOne = (deviceId: string, payload: string, minIntervalMs: number, now: number) => {
    if (coalesce.run(payload, deviceId).changes > 0) return 'coalesced' as const;
    const row = device.get(deviceId) as { last_due_at: number | null } | undefined;
    // The device is gone (removed meanwhile): its push is dropped, as delivery would.
    if (!row) return 'queued' as const;
    const due = row.last_due_at === null ? now : Math.max(now, row.last_due_at + minIntervalMs);
    insert.run(deviceId, payload, due, now);
    setLastDue.run(due, deviceId);
    return 'queued' as const;
  };
  // Group commit: the enqueues of one tick share one transaction, and each caller hears back
  // only after that commit (one commit costs as much as many rows).
  type Pending = {
    args: Parameters<typeof enqueueOne>;
    resolve: (outcome: 'queued' | 'coalesced') => void;
    reject: (err: unknown) => void;
  };
  let batch: Pending[] = [];
  const enqueueMany = db.transaction((items: Pending[]) => items.map((p) => enqueueOne(...p.args)));
  const flush = () => {
    const items = batch;
    batch = [];
    try {
      const outcomes = enqueueMany.immediate(items);
      for (const [i, p] of items.entries()) p.resolve(outcomes[i] as 'queued' | 'coalesced');
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  };
  const retry = db.transaction((id: string, dueAt: number) => {
    if (newerWaiting.get(id)) remove.run(id);
    else putBack.run(dueAt, id);
  });

  return {
    async enqueue(deviceId, payload, minIntervalMs, now) {
      return new Promise((resolve, reject) => {
        batch.push({ args: [deviceId, payload, minIntervalMs, now], resolve, reject });
        if (batch.length === 1) setImmediate(flush);
      });
    },
    async claim(limit, now, leaseUntil) {
      const rows = claim.all({ limit, now, leaseUntil }) as Row[];
      return rows.map(
        (r): Job => ({
          id: String(r.id),
          deviceId: String(r.device_id),
          payload: r.payload,
          attempts: r.attempts,
          createdAt: r.created_at,
        }),
      );
    },
    async complete(id) {
      remove.run(id);
    },
    async retry(id, dueAt) {
      retry.immediate(id, dueAt);
    },
    async stats(now) {
      const row = stats.get() as { depth: number; oldest: number | null };
      return { depth: row.depth, oldestAgeMs: row.oldest === null ? 0 : now - row.oldest };
    },
  };
}
