// SQLite XEP-0357 registrations: node → one target, one per jid/provider/deviceId/muc. The
// registrations of a device or token go with it (foreign keys).
import type { Database } from 'better-sqlite3';
import type { ProviderName } from '../../lib/providers.js';
import type { Registration, RegistrationStore } from '../types.js';
import { type TargetColumns, toColumns, toTarget } from './targets.js';

interface Row extends TargetColumns {
  node: string;
  secret_hash: string;
  jid: string;
  muc: string;
  provider: ProviderName | 'relay';
  device_id: string;
  created_at: number;
}

function toRegistration(r: Row): Registration {
  return {
    node: r.node,
    secretHash: r.secret_hash,
    jid: r.jid,
    muc: r.muc || undefined,
    provider: r.provider,
    deviceId: r.device_id,
    target: toTarget(r),
    createdAt: r.created_at,
  };
}

export function sqliteRegistrations(db: Database): RegistrationStore {
  const get = db.prepare('SELECT * FROM registrations WHERE node = ?');
  const removeSame = db.prepare(
    `DELETE FROM registrations
     WHERE jid = @jid AND provider = @provider AND device_id = @deviceId AND muc = @muc
     RETURNING *`,
  );
  const removeDevice = db.prepare(
    `DELETE FROM registrations
     WHERE jid = @jid AND provider = @provider AND device_id = @deviceId
       AND (@muc IS NULL OR muc = @muc)
     RETURNING *`,
  );
  const insert = db.prepare(
    `INSERT INTO registrations (node, secret_hash, jid, muc, provider, device_id, target_device,
                                target_token, remote_relay, remote_token, created_at)
     VALUES (@node, @secretHash, @jid, @muc, @provider, @deviceId, @target_device, @target_token,
             @remote_relay, @remote_token, @createdAt)`,
  );
  const byJid = db.prepare('SELECT * FROM registrations WHERE jid = ? ORDER BY created_at, node');
  const countByJid = db.prepare('SELECT count(*) FROM registrations WHERE jid = ?').pluck();

  // A missing target fails the insert (foreign key) and rolls the replacement back.
  const put = db.transaction((reg: Registration) => {
    const { target, ...rest } = reg;
    const row = { ...rest, muc: reg.muc ?? '', ...toColumns(target) };
    const replaced = (removeSame.all(row) as Row[]).map(toRegistration);
    insert.run(row);
    return { replaced };
  });

  return {
    async get(node) {
      const row = get.get(node) as Row | undefined;
      return row && toRegistration(row);
    },
    async put(reg) {
      return put(reg);
    },
    async remove(key) {
      return (removeDevice.all({ ...key, muc: key.muc ?? null }) as Row[]).map(toRegistration);
    },
    async listByJid(jid) {
      return (byJid.all(jid) as Row[]).map(toRegistration);
    },
    async countByJid(jid) {
      return countByJid.get(jid) as number;
    },
  };
}
