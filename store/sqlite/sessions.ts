// The embedded store's ad-hoc command sessions: rows that expire, taken with DELETE … RETURNING.
import type { Database } from 'better-sqlite3';
import type { CommandSession, SessionStore } from '../types.js';

export function sqliteSessions(db: Database): SessionStore {
  const purge = db.prepare('DELETE FROM command_sessions WHERE expires_at <= ?');
  const count = db.prepare<[string, number], { n: number }>(
    'SELECT count(*) AS n FROM command_sessions WHERE owner = ? AND expires_at > ?',
  );
  const insert = db.prepare(
    'INSERT INTO command_sessions (id, node, from_jid, owner, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const take = db.prepare<[string, string, string, number]>(
    'DELETE FROM command_sessions WHERE id = ? AND node = ? AND from_jid = ? AND expires_at > ?',
  );
  const open = db.transaction(
    (
      id: string,
      s: CommandSession & { owner: string },
      now: number,
      until: number,
      max: number,
    ) => {
      purge.run(now);
      if ((count.get(s.owner, now)?.n ?? 0) >= max) return 'full' as const;
      insert.run(id, s.node, s.from, s.owner, until);
      return 'opened' as const;
    },
  );
  return {
    async open(id, s, o) {
      return open.immediate(id, s, o.now, o.expiresAt, o.max);
    },
    async take(id, session, now) {
      return take.run(id, session.node, session.from, now).changes === 1;
    },
  };
}
