import type { Logger } from '../lib/log.js';
import { repeatedErrors } from '../lib/repeats.js';
import type { Device, Job, Store } from '../store/types.js';
import type { AppSender } from './app-senders.js';
import type { AppInfo, Apps } from './apps.js';
import { type ConfigSuspect, createConfigSuspects } from './config-suspects.js';
import {
  answered,
  capacity,
  createGate,
  flowing,
  type Gate,
  type GateOptions,
  mayStart,
  started,
} from './connection-gate.js';
import type { Notification } from './notification.js';
import type { SendResult } from './provider.js';
import type { HandOff } from './service.js';
import { type Settling, settle } from './settle.js';

export interface DeliveryOptions {
  store: Store;
  apps: Apps;
  /** By app name. */
  senders: ReadonlyMap<string, AppSender>;
  log: Logger;
  /** Jobs held at once (sending or waiting for their connection), across all connections. */
  concurrency?: number;
  /** Sends in flight at once on one provider connection (default: `concurrency`). */
  connectionConcurrency?: number;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * How long a claim holds a job; renewed while the job is held, so a dead process's jobs go out
   * again this long after it died at most.
   */
  leaseMs?: number;
  /** Backoff of a connection in provider-wide trouble: first and longest delay. */
  connectionBackoffMs?: { initial: number; max: number };
  /** A connection whose sends have been out this long with no answer counts as stuck. */
  stuckMs?: number;
  pollMs?: number;
  now?: () => number;
  /** Observes each finished attempt (metrics, tests). */
  onResult?: (app: AppInfo, result: SendResult, job: Job) => void;
  /** A device was retired because its token is dead (recorded in the store). */
  onRetired?: (deviceId: string) => void;
}

export interface DeliveryWorker extends HandOff {
  start(): void;
  /** Something was enqueued: look for work now. */
  wake(): void;
  /** Apps whose configuration looks wrong from what the provider answers. */
  configSuspects(): ConfigSuspect[];
  /** Stops claiming and waits for the jobs it holds. */
  stop(): Promise<void>;
}

/** A claimed job on its way to its provider connection. */
interface Held {
  job: Job;
  device: Device;
  sender: AppSender;
  notification: Notification;
}

/** A job that could not go to a busy connection is claimed again after this. */
const BUSY_DELAY_MS = 1000;
/** A job for an app this process lacks waits at least this long for a process that has it. */
const NOT_HERE_DELAY_MS = 1000;

/**
 * Moves jobs from the durable queue to APNs/FCM. A job is removed only after the provider
 * answered, so a crash delivers it again (at least once) when its lease, renewed while it is
 * held, runs out. Provider-wide trouble backs off the connection, not the job: its jobs wait
 * without using attempts and all go out once a probe gets through. Each connection has its own
 * sends in flight, and one backed off or stuck holds no claims the others need.
 */
export function createDeliveryWorker(o: DeliveryOptions): DeliveryWorker {
  const now = o.now ?? Date.now;
  const concurrency = o.concurrency ?? 1000;
  const leaseMs = o.leaseMs ?? 3000;
  const errors = repeatedErrors(o.log);
  const gateOptions: GateOptions = {
    concurrency: o.connectionConcurrency ?? concurrency,
    initialMs: o.connectionBackoffMs?.initial ?? 250,
    maxMs: o.connectionBackoffMs?.max ?? 5000,
    retryAfterMaxMs: o.retryMaxMs,
    stuckMs: o.stuckMs ?? 2000,
  };
  /** Every job this worker holds a lease on, renewed together. */
  const held = new Map<string, Job>();
  /** By provider connection (or by sender for a device its app has no connection for). */
  const gates = new Map<object, Gate<Held>>();
  const suspects = createConfigSuspects({ log: o.log });
  const settling: Settling = { ...o, suspects };
  const notHereLogged = new Set<string>();
  let running = false;
  let pumping = false;
  let again = false;
  let renewing = false;
  /** The last claim took all it asked for, or a job was enqueued without room: more are due. */
  let backlog = false;
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const idle: Array<() => void> = [];
  /** Jobs being enqueued leased to this worker (see HandOff): they count as held. */
  let reserved = 0;

  /** Held jobs that count against claims: not those of connections backed off or stuck. */
  function busy(t: number): number {
    let n = held.size + reserved;
    for (const g of gates.values()) {
      if (!flowing(g, gateOptions, t)) n -= g.inFlight + g.waiting.length;
    }
    return n;
  }

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
        while (running) {
          const t = now();
          const want = concurrency - busy(t);
          if (want <= 0) break;
          const jobs = await o.store.queue.claim(want, t, t + leaseMs);
          backlog = jobs.length === want;
          for (const job of jobs) {
            const mine = held.get(job.id);
            // Ours already, its lease ran out while this process was stalled: keep the one send.
            if (mine) mine.lease = job.lease;
            else {
              held.set(job.id, job);
              void take(job);
            }
          }
          // Fewer than asked: nothing else is due now (a second claim would find nothing).
          if (!backlog) break;
        }
      } while (again && running);
    } catch (err) {
      errors.error(err, {}, 'delivery queue unavailable; retrying');
    } finally {
      pumping = false;
    }
  }

  /** The job is no longer ours: done, given back, or left for its lease to run out. */
  function finish(job: Job): void {
    held.delete(job.id);
    if (held.size === 0) for (const done of idle.splice(0)) done();
    // Refill in batches: one claim for many jobs costs far less than one per job. Without a
    // backlog there is nothing to refill: new jobs wake the worker.
    if (backlog && busy(now()) <= concurrency / 2) void pump();
  }

  /** Store trouble: the job's lease is no longer renewed, so it is claimed again when it ends. */
  function fail(job: Job, err: unknown): void {
    // Store trouble fails every job alike: one line per kind and window, not one per job.
    errors.error(err, {}, 'delivery failed');
    finish(job);
  }

  async function renew(): Promise<void> {
    if (renewing || held.size === 0) return;
    renewing = true;
    try {
      await o.store.queue.extend([...held.values()], now() + leaseMs);
    } catch (err) {
      o.log.warn({ err }, 'delivery could not renew its leases');
    } finally {
      renewing = false;
    }
  }

  /** Gives a job back to the queue until `dueAt` without counting its attempt. */
  function giveBack(job: Job, dueAt: number): void {
    o.store.queue.retry(job, dueAt, true).then(
      () => finish(job),
      (err) => fail(job, err),
    );
  }

  /** `known`: the device as its push was enqueued a moment ago (not read again). */
  async function take(job: Job, known?: Device): Promise<void> {
    try {
      const device = known ?? (await o.store.devices.get(job.deviceId));
      if (!device?.active) {
        await o.store.queue.complete(job);
        finish(job);
        return;
      }
      const app = o.apps.of(device);
      const sender = app && o.senders.get(app.name);
      if (!sender) {
        notHere(job, device);
        return;
      }
      const notification: Notification = { ...JSON.parse(job.payload), priority: job.priority };
      const connection = sender.connection(device);
      const key = connection ?? sender;
      let g = gates.get(key);
      if (!g) {
        g = createGate<Held>(connection?.maxInFlight);
        gates.set(key, g);
      }
      admit(g, { job, device, sender, notification });
    } catch (err) {
      fail(job, err);
    }
  }

  /** A device of an app this process lacks is not gone: its job waits for a process that has it. */
  function notHere(job: Job, device: Device): void {
    const what = device.app ?? `the default ${device.provider} app`;
    if (!notHereLogged.has(what)) {
      notHereLogged.add(what);
      o.log.warn(
        { app: device.app, provider: device.provider },
        `pushes for ${what} stay queued: it is not configured in this process`,
      );
    }
    // The longer nobody has taken it, the less often it is looked at.
    const t = now();
    const wait = Math.min(o.retryMaxMs, Math.max(NOT_HERE_DELAY_MS, t - job.createdAt));
    giveBack(job, t + wait);
  }

  function admit(g: Gate<Held>, h: Held): void {
    const t = now();
    if (mayStart(g, gateOptions, t)) void send(g, h);
    else if (g.until > t) giveBack(h.job, g.until);
    else if (g.waiting.length < capacity(g, gateOptions)) g.waiting.push(h);
    else giveBack(h.job, t + BUSY_DELAY_MS);
  }

  function drain(g: Gate<Held>): void {
    while (g.waiting.length > 0 && mayStart(g, gateOptions, now())) {
      void send(g, g.waiting.shift() as Held);
    }
  }

  async function send(g: Gate<Held>, h: Held): Promise<void> {
    const probe = started(g, now());
    const result: SendResult = await h.sender.send(h.device, h.notification).catch((err) => {
      o.log.error({ err }, 'provider send threw');
      return { ok: false, kind: 'retry', reason: 'send failed' };
    });
    const t = now();
    const trouble = !result.ok && result.kind === 'retry' ? result : undefined;
    const change = answered(g, gateOptions, t, { probe, trouble });
    if (change === 'backedOff') backedOff(g, h, trouble?.reason ?? '', t);
    if (change === 'recovered') {
      o.log.info({ app: h.sender.app.name }, 'provider connection recovered');
      void pump();
    }
    drain(g);
    let counted = result;
    try {
      counted = await settle(settling, { ...h, app: h.sender.app.name }, result, t, g.until);
      finish(h.job);
    } catch (err) {
      fail(h.job, err);
    }
    o.onResult?.(h.sender.app, counted, h.job);
  }

  function backedOff(g: Gate<Held>, h: Held, reason: string, t: number): void {
    const about = { app: h.sender.app.name, provider: h.device.provider, reason };
    // Said once per outage; each failed probe after that only at debug level.
    if (g.failures === 1)
      o.log.warn({ ...about, delayMs: g.until - t }, 'provider connection in trouble: backing off');
    else o.log.debug({ ...about, delayMs: g.until - t }, 'provider connection still in trouble');
    // Its waiting jobs go back to the queue, where new pushes merge into them.
    for (const w of g.waiting.splice(0)) giveBack(w.job, g.until);
    clearTimeout(g.timer);
    g.timer = setTimeout(() => {
      drain(g);
      void pump();
    }, g.until - t);
    g.timer.unref();
  }

  return {
    start() {
      // Without any app, leave every job to the processes that have one.
      if (o.senders.size === 0) return;
      running = true;
      timer = setInterval(() => void pump(), o.pollMs ?? 500);
      timer.unref();
      heartbeat = setInterval(() => void renew(), leaseMs / 4);
      heartbeat.unref();
      void pump();
    },
    wake() {
      void pump();
    },
    reserve() {
      if (!running) return undefined;
      // Jobs that waited for room go first, through claims: a new one must not overtake them.
      if (backlog) return undefined;
      const t = now();
      if (busy(t) >= concurrency) {
        backlog = true;
        return undefined;
      }
      reserved += 1;
      return t + leaseMs;
    },
    adopt(job, device) {
      reserved -= 1;
      // Stopped meanwhile: its lease runs out and it goes out again then.
      if (!job || !running) return;
      held.set(job.id, job);
      void take(job, device);
    },
    configSuspects: () => suspects.list(),
    async stop() {
      running = false;
      clearInterval(timer);
      for (const g of gates.values()) {
        clearTimeout(g.timer);
        for (const w of g.waiting.splice(0)) giveBack(w.job, now());
      }
      if (held.size > 0) await new Promise<void>((r) => idle.push(r));
      clearInterval(heartbeat);
    },
  };
}
