// What a provider's answer to one push does to the queue and the device's record (./delivery.ts
// sends; this decides): delivered, retried later, waiting for its connection, or ended.
import { backoffMs } from '../lib/backoff.js';
import type { Logger } from '../lib/log.js';
import type { Device, Job, Store } from '../store/types.js';
import type { ConfigSuspects } from './config-suspects.js';
import type { SendResult } from './provider.js';

export interface Settling {
  store: Store;
  log: Logger;
  suspects: ConfigSuspects;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** A device was retired because its token is dead (recorded in the store). */
  onRetired?: (deviceId: string) => void;
}

/**
 * The job's and the device's records after an answer at `t`; returns the result as it counts: a
 * `dead` answer for a device that is kept (its app's config may be wrong) counts as `retry`.
 * `connectionUntil`: when the provider connection's backoff ends (0 when it is not backed off).
 */
export async function settle(
  o: Settling,
  h: { job: Job; device: Device; app: string },
  result: SendResult,
  t: number,
  connectionUntil: number,
): Promise<SendResult> {
  const { job, device, app } = h;
  const log = { job: job.id, device: device.id, app, attempt: job.attempts };
  // The device's record and the job's end go in one tick: one commit with group commit.
  if (result.ok) {
    o.suspects.delivered(app, device.id);
    await Promise.all([o.store.devices.recordSuccess(device.id, t), o.store.queue.complete(job)]);
    o.log.debug(log, 'push delivered');
    return result;
  }
  const reason = result.reason;
  if (result.kind === 'retry' && connectionUntil !== 0) {
    // The provider's trouble, not the device's: the job waits for the connection.
    await o.store.queue.retry(job, connectionUntil, true);
    return result;
  }
  const dead =
    result.kind === 'dead' && (!result.maybeConfig || o.suspects.retire(app, device, reason, t));
  const transient = result.kind === 'retry' || (result.kind === 'dead' && !dead);
  const lastTry = transient && job.attempts >= o.maxAttempts;
  const counted: SendResult =
    result.kind === 'dead' && !dead ? { ...result, kind: 'retry' } : result;
  await o.store.devices.recordError(device.id, reason, t, dead);
  if (dead) o.onRetired?.(device.id);
  if (transient && !lastTry) {
    // A provider's Retry-After is honoured up to the longest delay we allow ourselves: a
    // hostile or broken endpoint must not park a push for days.
    const retryAfter = result.kind === 'retry' ? (result.retryAfterMs ?? 0) : 0;
    const delay = Math.max(
      Math.min(retryAfter, o.retryMaxMs),
      backoffMs(job.attempts, o.retryInitialMs, o.retryMaxMs),
    );
    await o.store.queue.retry(job, t + delay);
    o.log.warn({ ...log, reason, delayMs: delay }, 'push failed; will retry');
    return counted;
  }
  await o.store.queue.complete(job);
  o.log.warn({ ...log, reason }, dead ? 'device token is no longer valid' : 'push dropped');
  return counted;
}
