// SQLite whitelist tokens, stored by hash and revoked only by their owner.
import type { Database } from 'better-sqlite3';
import type { TokenRecord, TokenStore } from '../types.js';

interface Row {
  id: number;
  device_id: number;
  owner: number;
  scope: TokenRecord['scope'];
  name: string;
  created_at: number;
  expires_at: number | null;
}

function toRecord(r: Row): TokenRecord {
  return {
    id: String(r.id),
    deviceId: String(r.device_id),
    owner: String(r.owner),
    scope: r.scope,
    name: r.name,
    createdAt: r.created_at,
    expiresAt: r.expires_at ?? undefined,
  };
}

export function sqliteTokens(db: Database): TokenStore {
  // Only for a device of that owner: a token never points across accounts.
  const insert = db.prepare(
    `INSERT INTO tokens (hash, device_id, owner, scope, name, created_at, expires_at)
     SELECT @hash, id, owner, @scope, @name, @createdAt, @expiresAt
     FROM devices WHERE id = @deviceId AND owner = @owner
     RETURNING *`,
  );
  const byHash = db.prepare('SELECT * FROM tokens WHERE hash = ?');
  const byOwner = db.prepare('SELECT * FROM tokens WHERE owner = ? ORDER BY id');
  const removeByHash = db.prepare('DELETE FROM tokens WHERE hash = ? AND owner = ?');
  const removeById = db.prepare('DELETE FROM tokens WHERE id = ? AND owner = ?');

  return {
    async add(hash, t) {
      const row = insert.get({ ...t, hash, expiresAt: t.expiresAt ?? null });
      if (!row) throw new Error('token for a device the owner does not have');
      return toRecord(row as Row);
    },
    async getByHash(hash) {
      const row = byHash.get(hash);
      return row ? toRecord(row as Row) : undefined;
    },
    async listByOwner(owner) {
      return (byOwner.all(owner) as Row[]).map(toRecord);
    },
    async removeByHash(hash, owner) {
      return removeByHash.run(hash, owner).changes > 0;
    },
    async removeById(id, owner) {
      return removeById.run(id, owner).changes > 0;
    },
  };
}
