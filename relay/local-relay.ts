import type { Logger } from '../app/log.js';
import type { Store } from '../store/types.js';
import type { Notification } from './notification.js';
import type { ProviderName } from './provider.js';
import type { PushOutcome, Relay } from './relay.js';
import { hashSecret, newSecret } from './tokens.js';

export interface LocalRelayOptions {
  store: Store;
  providers: readonly ProviderName[];
  /** At most this many pushes per device per minute; more coalesce into later ones. */
  ratePerMinute: number;
  /** Called after a job is enqueued, so the delivery worker starts at once. */
  onEnqueued: () => void;
  log: Logger;
  now?: () => number;
}

/** The relay in this process: devices and tokens in the store, pushes into the durable queue. */
export function createLocalRelay(o: LocalRelayOptions): Relay {
  const now = o.now ?? Date.now;
  const minIntervalMs = Math.ceil(60_000 / o.ratePerMinute);
  return {
    providers: o.providers,
    async registerDevice({ owner, provider, deviceId, deviceToken, tokenName }) {
      const device = await o.store.devices.upsert(
        { owner, provider, deviceId, deviceToken },
        now(),
      );
      const token = newSecret(20);
      await o.store.devices.addToken(hashSecret(token), {
        deviceId: device.id,
        name: tokenName,
        createdAt: now(),
      });
      return { token };
    },
    async removeDevice(owner, provider, deviceId) {
      return (await o.store.devices.remove({ owner, provider, deviceId })) !== undefined;
    },
    async push(token: string, notification: Notification): Promise<PushOutcome> {
      const t = now();
      const record = await o.store.devices.getToken(hashSecret(token));
      if (!record || (record.expiresAt !== undefined && record.expiresAt <= t)) return 'gone';
      const device = await o.store.devices.get(record.deviceId);
      if (!device?.active) return 'gone';
      const outcome = await o.store.queue.enqueue(
        device.id,
        JSON.stringify(notification),
        minIntervalMs,
        t,
      );
      o.onEnqueued();
      return outcome;
    },
  };
}
