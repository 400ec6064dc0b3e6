// SQLite whitelist tokens, stored by hash and revoked only by their owner. Revoking cascades
// (foreign keys) to the registrations and collected tokens that point at a token.
import type { Database } from 'better-sqlite3';
import type { TokenRecord, TokenStore } from '../types.js';

interface Row {
  id: number;
  owner: number;
  scope: TokenRecord['scope'];
  device_id: number | null;
  name: string;
  created_at: number;
  expires_at: number | null;
}

function toRecord(r: Row): TokenRecord {
  const common = {
    id: String(r.id),
    owner: String(r.owner),
    name: r.name,
    createdAt: r.created_at,
    expiresAt: r.expires_at ?? undefined,
  };
  return r.scope === 'device'
    ? { ...common, scope: 'device', deviceId: String(r.device_id) }
    : { ...common, scope: 'account' };
}

const one = (row: unknown) => (row ? toRecord(row as Row) : undefined);

const PURGE_BATCH = 500;

export function sqliteTokens(db: Database): TokenStore {
  // A device token only for a device of that owner: a token never points across accounts.
  const insertForDevice = db.prepare(
    `INSERT INTO tokens (hash, owner, scope, device_id, name, created_at, expires_at)
     SELECT @hash, owner, 'device', id, @name, @createdAt, @expiresAt
     FROM devices WHERE id = @deviceId AND owner = @owner
     RETURNING *`,
  );
  const insertForAccount = db.prepare(
    `INSERT INTO tokens (hash, owner, scope, name, created_at, expires_at)
     SELECT @hash, id, 'account', @name, @createdAt, @expiresAt FROM accounts WHERE id = @owner
     RETURNING *`,
  );
  const byId = db.prepare('SELECT * FROM tokens WHERE id = ?');
  const byHash = db.prepare('SELECT * FROM tokens WHERE hash = ?');
  const byOwner = db.prepare('SELECT * FROM tokens WHERE owner = ? ORDER BY id');
  const removeByHash = db.prepare('DELETE FROM tokens WHERE hash = ? AND owner = ?');
  const removeById = db.prepare('DELETE FROM tokens WHERE id = ? AND owner = ?');
  const countByOwner = db.prepare('SELECT count(*) FROM tokens WHERE owner = ?').pluck();
  // In batches, so that a large purge does not hold the write lock for long.
  const purge = db.prepare(
    `DELETE FROM tokens WHERE id IN (
       SELECT id FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ${PURGE_BATCH})`,
  );

  return {
    async add(hash, t) {
      const row = (t.scope === 'device' ? insertForDevice : insertForAccount).get({
        hash,
        owner: t.owner,
        deviceId: t.scope === 'device' ? t.deviceId : null,
        name: t.name,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt ?? null,
      });
      if (!row) throw new Error('token for an account or device that does not exist');
      return toRecord(row as Row);
    },
    async get(id) {
      return one(byId.get(id));
    },
    async getByHash(hash) {
      return one(byHash.get(hash));
    },
    async listByOwner(owner) {
      return (byOwner.all(owner) as Row[]).map(toRecord);
    },
    async countByOwner(owner) {
      return countByOwner.get(owner) as number;
    },
    async purgeExpired(now) {
      let total = 0;
      for (;;) {
        const n = purge.run(now).changes;
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    },
    async removeByHash(hash, owner) {
      return removeByHash.run(hash, owner).changes > 0;
    },
    async removeById(id, owner) {
      return removeById.run(id, owner).changes > 0;
    },
  };
}
