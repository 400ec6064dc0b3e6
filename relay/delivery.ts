import { backoffMs } from '../lib/backoff.js';
import type { Logger } from '../lib/log.js';
import type { Job, Store } from '../store/types.js';
import type { AppSender } from './app-senders.js';
import type { AppInfo, Apps } from './apps.js';
import type { Notification } from './notification.js';
import type { SendResult } from './provider.js';

export interface DeliveryOptions {
  store: Store;
  apps: Apps;
  /** By app name. */
  senders: ReadonlyMap<string, AppSender>;
  log: Logger;
  /** Jobs sent at once across all providers. */
  concurrency?: number;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** A leased job whose worker died is retried after this long. */
  leaseMs?: number;
  pollMs?: number;
  now?: () => number;
  /** Observes each finished attempt (metrics, tests). */
  onResult?: (app: AppInfo, result: SendResult, job: Job) => void;
}

export interface DeliveryWorker {
  start(): void;
  /** Something was enqueued: look for work now. */
  wake(): void;
  /** Stops claiming and waits for in-flight sends. */
  stop(): Promise<void>;
}

/**
 * Moves jobs from the durable queue to APNs/FCM. A job is removed only after the provider
 * answered, so a crash delivers it again (at least once) when its lease expires.
 */
export function createDeliveryWorker(o: DeliveryOptions): DeliveryWorker {
  const now = o.now ?? Date.now;
  const concurrency = o.concurrency ?? 1000;
  const leaseMs = o.leaseMs ?? 60_000;
  let inFlight = 0;
  let running = false;
  let pumping = false;
  let again = false;
  /** The last claim took all it asked for: more jobs may be due. */
  let backlog = false;
  let timer: NodeJS.Timeout | undefined;
  const idle: Array<() => void> = [];

  async function pump(): Promise<void> {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (running && inFlight < concurrency) {
          const t = now();
          const want = concurrency - inFlight;
          const jobs = await o.store.queue.claim(want, t, t + leaseMs);
          backlog = jobs.length === want;
          for (const job of jobs) {
            inFlight++;
            void deliver(job).finally(() => {
              inFlight--;
              if (inFlight === 0) for (const done of idle.splice(0)) done();
              // Refill in batches: one claim for many jobs costs far less than one per job.
              // Without a backlog there is nothing to refill: new jobs wake the worker.
              if (backlog && inFlight <= concurrency / 2) void pump();
            });
          }
          // Fewer than asked: nothing else is due now (a second claim would find nothing).
          if (!backlog) break;
        }
      } while (again && running);
    } catch (err) {
      o.log.error({ err }, 'delivery queue unavailable; retrying');
    } finally {
      pumping = false;
    }
  }

  async function deliver(job: Job): Promise<void> {
    try {
      const device = await o.store.devices.get(job.deviceId);
      const app = device && o.apps.of(device);
      const sender = app && o.senders.get(app.name);
      if (!device?.active || !sender) {
        await o.store.queue.complete(job);
        return;
      }
      const notification: Notification = { ...JSON.parse(job.payload), priority: job.priority };
      const result = await sender.send(device, notification);
      o.onResult?.(sender.app, result, job);
      const log = {
        job: job.id,
        device: device.id,
        app: sender.app.name,
        attempt: job.attempts,
      };
      const t = now();
      // The device's record and the job's end go in one tick: one commit with group commit.
      if (result.ok) {
        await Promise.all([
          o.store.devices.recordSuccess(device.id, t),
          o.store.queue.complete(job),
        ]);
        o.log.debug(log, 'push delivered');
        return;
      }
      const reason = result.reason;
      const lastTry = result.kind === 'retry' && job.attempts >= o.maxAttempts;
      await o.store.devices.recordError(device.id, reason, t, result.kind === 'dead');
      if (result.kind === 'retry' && !lastTry) {
        // A provider's Retry-After is honoured up to the longest delay we allow ourselves: a
        // hostile or broken endpoint must not park a push for days.
        const delay = Math.max(
          Math.min(result.retryAfterMs ?? 0, o.retryMaxMs),
          backoffMs(job.attempts, o.retryInitialMs, o.retryMaxMs),
        );
        await o.store.queue.retry(job, t + delay);
        o.log.warn({ ...log, reason, delayMs: delay }, 'push failed; will retry');
        return;
      }
      await o.store.queue.complete(job);
      const why = result.kind === 'dead' ? 'device token is no longer valid' : 'push dropped';
      o.log.warn({ ...log, reason }, why);
    } catch (err) {
      // Store trouble: leave the job leased; it is retried when the lease expires.
      o.log.error({ err, job: job.id }, 'delivery failed');
    }
  }

  return {
    start() {
      running = true;
      timer = setInterval(() => void pump(), o.pollMs ?? 500);
      timer.unref();
      void pump();
    },
    wake() {
      void pump();
    },
    async stop() {
      running = false;
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((r) => idle.push(r));
    },
  };
}
