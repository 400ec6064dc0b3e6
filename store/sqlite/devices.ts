// SQLite devices: upsert and lookup by owner/provider/deviceId, owner-checked updates, delivery stats.
import type { Database } from 'better-sqlite3';
import type { ProviderName } from '../../lib/providers.js';
import type { Device, DeviceStore, Environment } from '../types.js';
import type { GroupCommit } from './group-commit.js';

interface Row {
  id: number;
  owner: number;
  provider: ProviderName;
  device_id: string;
  device_token: string;
  name: string | null;
  active: number;
  created_at: number;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error: string | null;
  success_count: number;
  error_count: number;
  app: string | null;
  environment: Environment | null;
  voip: number;
}

function toDevice(r: Row): Device {
  return {
    id: String(r.id),
    owner: String(r.owner),
    provider: r.provider,
    deviceId: r.device_id,
    deviceToken: r.device_token,
    name: r.name ?? undefined,
    active: r.active === 1,
    createdAt: r.created_at,
    lastSuccessAt: r.last_success_at ?? undefined,
    lastErrorAt: r.last_error_at ?? undefined,
    lastError: r.last_error ?? undefined,
    successCount: r.success_count,
    errorCount: r.error_count,
    ...(r.app !== null && { app: r.app }),
    ...(r.environment !== null && { environment: r.environment }),
    ...(r.voip === 1 && { voip: true }),
  };
}

const one = (row: unknown) => (row ? toDevice(row as Row) : undefined);

export function sqliteDevices(db: Database, { write, later }: GroupCommit): DeviceStore {
  // A missing name keeps the one the device has.
  const upsert = db.prepare(
    `INSERT INTO devices (owner, provider, device_id, device_token, name, created_at, app,
       environment, voip)
     VALUES (@owner, @provider, @deviceId, @deviceToken, @name, @now, @app, @environment, @voip)
     ON CONFLICT (owner, provider, device_id) DO UPDATE
       SET device_token = excluded.device_token, name = coalesce(excluded.name, name), active = 1,
         app = excluded.app, environment = excluded.environment, voip = excluded.voip
     RETURNING *`,
  );
  const byId = db.prepare('SELECT * FROM devices WHERE id = ?');
  const byKey = db.prepare(
    'SELECT * FROM devices WHERE owner = ? AND provider = ? AND device_id = ?',
  );
  const byOwner = db.prepare(
    'SELECT * FROM devices WHERE owner = @owner AND (@provider IS NULL OR provider = @provider) ORDER BY id',
  );
  const countByOwner = db.prepare('SELECT count(*) FROM devices WHERE owner = ?').pluck();
  const update = db.prepare(
    `UPDATE devices SET name = coalesce(@name, name), device_token = coalesce(@deviceToken, device_token),
       active = coalesce(@active, active)
     WHERE id = @id AND owner = @owner
     RETURNING *`,
  );
  const remove = db.prepare('DELETE FROM devices WHERE id = ? RETURNING *');
  const success = db.prepare(
    'UPDATE devices SET last_success_at = ?, success_count = success_count + 1 WHERE id = ?',
  );
  const failure = db.prepare(
    `UPDATE devices SET last_error_at = @now, last_error = @reason, error_count = error_count + 1,
       active = CASE WHEN @dead THEN 0 ELSE active END
     WHERE id = @id`,
  );

  return {
    async upsert(d, now) {
      const route = {
        app: d.app ?? null,
        environment: d.environment ?? null,
        voip: d.voip ? 1 : 0,
      };
      return toDevice(upsert.get({ ...d, ...route, name: d.name ?? null, now }) as Row);
    },
    async get(id) {
      return one(byId.get(id));
    },
    async find(owner, provider, deviceId) {
      return one(byKey.get(owner, provider, deviceId));
    },
    async listByOwner(owner, provider) {
      return (byOwner.all({ owner, provider: provider ?? null }) as Row[]).map(toDevice);
    },
    async countByOwner(owner) {
      return countByOwner.get(owner) as number;
    },
    async update(id, owner, c) {
      const active = c.active === undefined ? null : c.active ? 1 : 0;
      return one(
        update.get({
          id,
          owner,
          name: c.name ?? null,
          deviceToken: c.deviceToken ?? null,
          active,
        }),
      );
    },
    async remove(id) {
      return one(remove.get(id));
    },
    async recordSuccess(id, now) {
      // Goes with the job's completion.
      await later(() => success.run(now, id));
    },
    async recordError(id, reason, now, dead) {
      await write(() => failure.run({ id, reason, now, dead: dead ? 1 : 0 }));
    },
  };
}
