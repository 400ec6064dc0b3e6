import type { Database } from 'better-sqlite3';
import type { Job, QueueStore } from '../types.js';

interface JobRow {
  id: number;
  device_id: string;
  payload: string;
  attempts: number;
  created_at: number;
}

export function sqliteQueue(db: Database): QueueStore {
  const coalesce = db.prepare(
    'UPDATE jobs SET payload = ? WHERE device_id = ? AND leased_until = 0',
  );
  const lastDue = db.prepare('SELECT last_due_at FROM devices WHERE id = ?');
  const setLastDue = db.prepare('UPDATE devices SET last_due_at = ? WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO jobs (device_id, payload, due_at, created_at) VALUES (?, ?, ?, ?)',
  );
  const claim = db.prepare(
    `UPDATE jobs SET leased_until = @leaseUntil, attempts = attempts + 1
     WHERE id IN (SELECT id FROM jobs WHERE due_at <= @now AND leased_until <= @now
                  ORDER BY due_at LIMIT @limit)
     RETURNING id, device_id, payload, attempts, created_at`,
  );
  const complete = db.prepare('DELETE FROM jobs WHERE id = ?');
  const waiting = db.prepare(
    'SELECT 1 FROM jobs WHERE leased_until = 0 AND device_id = (SELECT device_id FROM jobs WHERE id = ?)',
  );
  const retry = db.prepare('UPDATE jobs SET leased_until = 0, due_at = ? WHERE id = ?');
  const stats = db.prepare('SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM jobs');

  const enqueue = db.transaction(
    (deviceId: string, payload: string, minIntervalMs: number, now: number) => {
      if (coalesce.run(payload, deviceId).changes > 0) return 'coalesced' as const;
      const last = (lastDue.get(deviceId) as { last_due_at: number | null } | undefined)
        ?.last_due_at;
      const due = last == null ? now : Math.max(now, last + minIntervalMs);
      insert.run(deviceId, payload, due, now);
      setLastDue.run(due, deviceId);
      return 'queued' as const;
    },
  );
  const putBack = db.transaction((id: string, dueAt: number) => {
    if (waiting.get(id)) complete.run(id);
    else retry.run(dueAt, id);
  });

  return {
    async enqueue(deviceId, payload, minIntervalMs, now) {
      return enqueue(deviceId, payload, minIntervalMs, now);
    },
    async claim(limit, now, leaseUntil) {
      const rows = claim.all({ limit, now, leaseUntil }) as JobRow[];
      return rows.map(
        (r): Job => ({
          id: String(r.id),
          deviceId: r.device_id,
          payload: r.payload,
          attempts: r.attempts,
          createdAt: r.created_at,
        }),
      );
    },
    async complete(id) {
      complete.run(id);
    },
    async retry(id, dueAt) {
      putBack(id, dueAt);
    },
    async stats(now) {
      const row = stats.get() as { depth: number; oldest: number | null };
      return { depth: row.depth, oldestAgeMs: row.oldest === null ? 0 : now - row.oldest };
    },
  };
}
