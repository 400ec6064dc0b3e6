// APNs answers BadDeviceToken and DeviceTokenNotForTopic for dead devices, but also for every
// device when an app's topic, key or environment is wrong (right after a config change): a
// device is retired on them only when it is clearly the device, and the app is reported.
import type { Logger } from '../lib/log.js';
import type { Device } from '../store/types.js';

/** An app whose configuration looks wrong, for /healthz and admins. */
export interface ConfigSuspect {
  app: string;
  /** What the provider answered, e.g. `BadDeviceToken`. */
  reason: string;
  since: number;
}

export interface ConfigSuspects {
  /**
   * A device got such an answer: whether to retire it now. Yes when it received a push before;
   * else only after `strikes` such answers over at least `windowMs` (reckoned in this process).
   */
  retire(app: string, device: Device, reason: string, now: number): boolean;
  /** A push went through the app: its configuration works. */
  delivered(app: string, deviceId: string): void;
  list(): ConfigSuspect[];
}

/** Devices whose strikes are remembered at most (a bound on memory, not a limit that matters). */
const MAX_TRACKED = 100_000;

export function createConfigSuspects(o: {
  log: Logger;
  strikes?: number;
  windowMs?: number;
}): ConfigSuspects {
  const need = o.strikes ?? 3;
  const windowMs = o.windowMs ?? 10 * 60_000;
  const strikes = new Map<string, { first: number; count: number }>();
  const suspects = new Map<string, ConfigSuspect>();
  return {
    retire(app, device, reason, now) {
      if (device.lastSuccessAt !== undefined) return true;
      if (!suspects.has(app)) {
        suspects.set(app, { app, reason, since: now });
        o.log.error(
          { app, reason },
          `app ${app}: APNs answers ${reason} for devices that never received a push: its topic, key or environment looks wrong. Those devices are kept and retried`,
        );
      }
      if (strikes.size >= MAX_TRACKED) strikes.clear();
      const s = strikes.get(device.id) ?? { first: now, count: 0 };
      s.count++;
      strikes.set(device.id, s);
      if (s.count < need || now - s.first < windowMs) return false;
      strikes.delete(device.id);
      return true;
    },
    delivered(app, deviceId) {
      if (strikes.size > 0) strikes.delete(deviceId);
      if (suspects.size > 0 && suspects.delete(app)) {
        o.log.info({ app }, `app ${app}: a push was accepted; its configuration works`);
      }
    },
    list: () => [...suspects.values()],
  };
}
