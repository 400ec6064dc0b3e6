// SQLite delivery queue: one unleased job per device (waiting, or parked for a retry), merging,
// leases, rate spacing.
import { randomInt } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { mergeLater } from '../merge.js';
import type { Job, Lease, QueuedPush, QueueStore } from '../types.js';
import type { GroupCommit } from './group-commit.js';

interface Row {
  id: number;
  device_id: number;
  payload: string;
  priority: Job['priority'];
  attempts: number;
  created_at: number;
  parked: number;
  lease: number;
  pushed_at: number;
}

const toJob = (r: Row): Job => ({
  id: String(r.id),
  deviceId: String(r.device_id),
  payload: r.payload,
  priority: r.priority,
  attempts: r.attempts,
  createdAt: r.created_at,
  lease: String(r.lease),
});

// A job is unleased while leased_until = 0 (at most one per device, see the jobs_waiting index):
// waiting untried, or parked after a failed attempt (parked = 1). A claimed job holds
// leased_until and is claimable again once that has passed; `lease` is its claim's random token
// (0 while unleased).
export function sqliteQueue(db: Database, { write, later }: GroupCommit): QueueStore {
  const unleased = db.prepare('SELECT * FROM jobs WHERE device_id = ? AND leased_until = 0');
  const setPush = db.prepare(
    `UPDATE jobs SET payload = @payload, priority = @priority,
       pushed_at = MAX(pushed_at, @pushedAt) WHERE id = @id`,
  );
  const revive = db.prepare(
    `UPDATE jobs SET payload = @payload, priority = @priority, parked = 0, attempts = 0,
       due_at = @due, pushed_at = MAX(pushed_at, @pushedAt) WHERE id = @id`,
  );
  const device = db.prepare('SELECT last_due_at FROM devices WHERE id = ?');
  const setLastDue = db.prepare('UPDATE devices SET last_due_at = ? WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO jobs (device_id, payload, priority, due_at, created_at, pushed_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // A job leased as it is written: as `claim` leaves it (attempts 1, a lease token).
  const insertLeased = db.prepare(
    `INSERT INTO jobs (device_id, payload, priority, due_at, created_at, pushed_at, attempts,
       leased_until, lease)
     VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING *`,
  );
  const reviveLeased = db.prepare(
    `UPDATE jobs SET payload = @payload, priority = @priority, parked = 0, attempts = 1,
       due_at = @due, pushed_at = MAX(pushed_at, @pushedAt), leased_until = @leaseUntil,
       lease = @lease WHERE id = @id RETURNING *`,
  );
  // Leases that ran out (their worker died) first, then waiting jobs by due time; each part
  // reads its own partial index, never the jobs leased now.
  const claim = db.prepare(
    `UPDATE jobs SET leased_until = @leaseUntil, attempts = attempts + 1, parked = 0,
       lease = @lease
     WHERE id IN (
       SELECT id FROM (SELECT id FROM jobs WHERE leased_until > 0 AND leased_until <= @now
                       LIMIT @limit)
       UNION ALL
       SELECT id FROM (SELECT id FROM jobs WHERE leased_until = 0 AND due_at <= @now
                       ORDER BY due_at, id LIMIT @limit)
       LIMIT @limit)
     RETURNING *`,
  );
  // A read first: claiming nothing should not cost a write transaction (at low load most
  // claims find nothing).
  const due = db.prepare(
    `SELECT EXISTS (SELECT 1 FROM jobs WHERE leased_until > 0 AND leased_until <= @now)
         OR EXISTS (SELECT 1 FROM jobs WHERE leased_until = 0 AND due_at <= @now) AS any`,
  );
  const expired = db.prepare(
    'SELECT * FROM jobs WHERE leased_until > 0 AND leased_until <= @now LIMIT @limit',
  );
  const dueWaiting = db.prepare(
    'SELECT * FROM jobs WHERE device_id = ? AND leased_until = 0 AND parked = 0 AND due_at <= ?',
  );
  const held = db.prepare('SELECT * FROM jobs WHERE id = ? AND lease = ? AND leased_until > 0');
  const extend = db.prepare(
    'UPDATE jobs SET leased_until = ? WHERE id = ? AND lease = ? AND leased_until > 0',
  );
  const remove = db.prepare('DELETE FROM jobs WHERE id = ?');
  const removeHeld = db.prepare('DELETE FROM jobs WHERE id = ? AND lease = ? AND leased_until > 0');
  const park = db.prepare(
    `UPDATE jobs SET leased_until = 0, lease = 0, attempts = @attempts, parked = @attempts > 0,
       due_at = @dueAt WHERE id = @id`,
  );
  const stats = db.prepare('SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM jobs');

  const enqueueOne = (
    deviceId: string,
    push: QueuedPush,
    minIntervalMs: number,
    now: number,
    leaseUntil?: number,
  ): 'queued' | 'coalesced' | Job => {
    const other = unleased.get(deviceId) as Row | undefined;
    if (other && !other.parked) {
      setPush.run({
        id: other.id,
        pushedAt: now,
        ...mergeLater(other, other.pushed_at, push, now),
      });
      return 'coalesced';
    }
    const row = device.get(deviceId) as { last_due_at: number | null } | undefined;
    // The device is gone (removed meanwhile): its push is dropped, as delivery would.
    if (!row) return 'queued';
    const due = row.last_due_at === null ? now : Math.max(now, row.last_due_at + minIntervalMs);
    setLastDue.run(due, deviceId);
    if (leaseUntil !== undefined && due <= now) {
      const lease = randomInt(1, 2 ** 48);
      const leased = other
        ? reviveLeased.get({
            id: other.id,
            due,
            pushedAt: now,
            leaseUntil,
            lease,
            ...mergeLater(other, other.pushed_at, push, now),
          })
        : insertLeased.get(deviceId, push.payload, push.priority, due, now, now, leaseUntil, lease);
      return toJob(leased as Row);
    }
    // A parked job does not hold this push back: the push takes its content along instead.
    if (other) {
      revive.run({
        id: other.id,
        due,
        pushedAt: now,
        ...mergeLater(other, other.pushed_at, push, now),
      });
    } else insert.run(deviceId, push.payload, push.priority, due, now, now);
    return 'queued';
  };
  // The two become one, in the waiting job `other`: the content pushed last wins (the waiting
  // job's on a tie), and `job` goes.
  const mergeInto = (other: Row, job: Row) => {
    const merged = mergeLater(job, job.pushed_at, other, other.pushed_at);
    setPush.run({ id: other.id, pushedAt: job.pushed_at, ...merged });
    remove.run(job.id);
  };
  // A job whose lease ran out goes into a newer one of its device that waits and is due.
  const foldExpired = db.transaction((now: number, limit: number) => {
    for (const job of expired.all({ now, limit }) as Row[]) {
      const other = dueWaiting.get(job.device_id, now) as Row | undefined;
      if (other) mergeInto(other, job);
    }
  });
  const retry = (lease: Lease, dueAt: number, untried: boolean) => {
    const job = held.get(lease.id, lease.lease) as Row | undefined;
    if (!job) return;
    const other = unleased.get(job.device_id) as Row | undefined;
    if (!other) {
      park.run({ id: job.id, dueAt, attempts: job.attempts - (untried ? 1 : 0) });
      return;
    }
    mergeInto(other, job);
  };

  return {
    enqueue(deviceId, push, minIntervalMs, now) {
      return write(() => enqueueOne(deviceId, push, minIntervalMs, now) as 'queued' | 'coalesced');
    },
    enqueueLeased(deviceId, push, minIntervalMs, now, leaseUntil) {
      return write(() => enqueueOne(deviceId, push, minIntervalMs, now, leaseUntil));
    },
    async claim(limit, now, leaseUntil) {
      if (!(due.get({ now }) as { any: number }).any) return [];
      foldExpired(now, limit);
      const lease = randomInt(1, 2 ** 48);
      return (claim.all({ limit, now, leaseUntil, lease }) as Row[]).map(toJob);
    },
    async extend(leases, leaseUntil) {
      if (leases.length === 0) return;
      await write(() => {
        for (const l of leases) extend.run(leaseUntil, l.id, l.lease);
      });
    },
    async complete(job) {
      // Lost in a crash, it means one more push to the device: it may wait for another commit.
      await later(() => removeHeld.run(job.id, job.lease));
    },
    retry(job, dueAt, untried = false) {
      return write(() => retry(job, dueAt, untried));
    },
    async stats(now) {
      const row = stats.get() as { depth: number; oldest: number | null };
      return { depth: row.depth, oldestAgeMs: row.oldest === null ? 0 : now - row.oldest };
    },
  };
}
