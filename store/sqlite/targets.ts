// How a Target is kept in SQLite columns: one of target_device, target_token, or
// remote_relay + remote_token is set (a CHECK in the schema says so).
import type { Target } from '../types.js';

export interface TargetColumns {
  target_device: number | null;
  target_token: number | null;
  remote_relay: string | null;
  remote_token: string | null;
}

export function toColumns(t: Target): TargetColumns {
  return {
    target_device: t.kind === 'device' ? Number(t.device) : null,
    target_token: t.kind === 'token' ? Number(t.token) : null,
    remote_relay: t.kind === 'remote' ? t.relay : null,
    remote_token: t.kind === 'remote' ? t.token : null,
  };
}

export function toTarget(r: TargetColumns): Target {
  if (r.target_device !== null) return { kind: 'device', device: String(r.target_device) };
  if (r.target_token !== null) return { kind: 'token', token: String(r.target_token) };
  return { kind: 'remote', relay: r.remote_relay ?? '', token: r.remote_token ?? '' };
}
