import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ProviderName } from '../../relay/provider.js';
import type { Device, DeviceKey, DeviceStore, TokenRecord } from '../types.js';

interface DeviceRow {
  id: string;
  owner: string;
  provider: ProviderName;
  device_id: string;
  device_token: string;
  active: number;
  created_at: number;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error: string | null;
  success_count: number;
  error_count: number;
}

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    owner: r.owner,
    provider: r.provider,
    deviceId: r.device_id,
    deviceToken: r.device_token,
    active: r.active === 1,
    createdAt: r.created_at,
    lastSuccessAt: r.last_success_at ?? undefined,
    lastErrorAt: r.last_error_at ?? undefined,
    lastError: r.last_error ?? undefined,
    successCount: r.success_count,
    errorCount: r.error_count,
  };
}

export function sqliteDevices(db: Database): DeviceStore {
  const upsert = db.prepare(
    `INSERT INTO devices (id, owner, provider, device_id, device_token, created_at)
     VALUES (@id, @owner, @provider, @deviceId, @deviceToken, @now)
     ON CONFLICT (owner, provider, device_id) DO UPDATE
       SET device_token = excluded.device_token, active = 1
     RETURNING *`,
  );
  const byId = db.prepare('SELECT * FROM devices WHERE id = ?');
  const remove = db.prepare(
    'DELETE FROM devices WHERE owner = @owner AND provider = @provider AND device_id = @deviceId RETURNING *',
  );
  const addToken = db.prepare(
    `INSERT INTO tokens (hash, device_id, name, created_at, expires_at)
     VALUES (@hash, @deviceId, @name, @createdAt, @expiresAt)`,
  );
  const getToken = db.prepare('SELECT * FROM tokens WHERE hash = ?');
  const success = db.prepare(
    'UPDATE devices SET last_success_at = ?, success_count = success_count + 1 WHERE id = ?',
  );
  const failure = db.prepare(
    `UPDATE devices SET last_error_at = @now, last_error = @reason, error_count = error_count + 1,
       active = CASE WHEN @dead THEN 0 ELSE active END
     WHERE id = @id`,
  );

  return {
    async upsert(d: DeviceKey & { deviceToken: string }, now: number) {
      const id = randomBytes(12).toString('base64url');
      return toDevice(upsert.get({ ...d, id, now }) as DeviceRow);
    },
    async get(id) {
      const row = byId.get(id) as DeviceRow | undefined;
      return row && toDevice(row);
    },
    async remove(key) {
      const row = remove.get(key) as DeviceRow | undefined;
      return row && toDevice(row);
    },
    async addToken(hash, r: TokenRecord) {
      addToken.run({ hash, ...r, expiresAt: r.expiresAt ?? null });
    },
    async getToken(hash) {
      const row = getToken.get(hash) as
        | { device_id: string; name: string; created_at: number; expires_at: number | null }
        | undefined;
      if (!row) return undefined;
      return {
        deviceId: row.device_id,
        name: row.name,
        createdAt: row.created_at,
        expiresAt: row.expires_at ?? undefined,
      };
    },
    async recordSuccess(id, now) {
      success.run(now, id);
    },
    async recordError(id, reason, now, dead) {
      failure.run({ id, reason, now, dead: dead ? 1 : 0 });
    },
  };
}
