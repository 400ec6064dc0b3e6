// SQLite tokens collected from users' clients: one per user and relay, the newest.
import type { Database } from 'better-sqlite3';
import { type CollectedStore, type CollectedToken, targetRelay } from '../types.js';
import { type TargetColumns, toColumns, toTarget } from './targets.js';

interface Row extends TargetColumns {
  jid: string;
  created_at: number;
}

function toCollected(r: Row): CollectedToken {
  return { jid: r.jid, target: toTarget(r) as CollectedToken['target'], createdAt: r.created_at };
}

export function sqliteCollected(db: Database): CollectedStore {
  const put = db.prepare(
    `INSERT OR REPLACE INTO collected (jid, relay, target_token, remote_token, created_at)
     VALUES (@jid, @relay, @target_token, @remote_token, @createdAt)`,
  );
  const byJid = db.prepare(
    `SELECT jid, created_at, target_token, remote_token, NULL AS target_device,
            CASE WHEN target_token IS NULL THEN relay END AS remote_relay
     FROM collected WHERE jid = ? ORDER BY created_at, relay`,
  );
  const remove = db.prepare('DELETE FROM collected WHERE jid = ? AND relay = ?');

  return {
    async put(c) {
      const { target_token, remote_token } = toColumns(c.target);
      put.run({
        jid: c.jid,
        relay: targetRelay(c.target),
        target_token,
        remote_token,
        createdAt: c.createdAt,
      });
    },
    async listByJid(jid) {
      return (byJid.all(jid) as Row[]).map(toCollected);
    },
    async remove(jid, relay) {
      return remove.run(jid, relay).changes > 0;
    },
  };
}
