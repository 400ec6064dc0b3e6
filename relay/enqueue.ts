// Pushes into the durable queue: which devices a push goes to, and why none can take it when
// none can; and the devices' delivery history for diagnostics.
import type { ProviderName } from '../lib/providers.js';
import type {
  Account,
  Device,
  DeviceRoute,
  Job,
  QueuedPush,
  Store,
  TokenRecord,
} from '../store/types.js';
import type { Apps } from './apps.js';
import { statelessAccountName, tokenDeviceId, voipDeviceId } from './device-ids.js';
import type { Notification } from './notification.js';
import { deviceProblem, type PushOutcome, pushObstacle } from './obstacles.js';

export interface EnqueueOptions {
  store: Store;
  /** The apps this process delivers for. */
  apps: Apps;
  /** At most this many pushes per device per minute; more coalesce into later ones. */
  ratePerMinute: number;
  /** Called after jobs were enqueued and not all handed off, so the delivery worker looks now. */
  onEnqueued: () => void;
  /** The delivery worker, taking jobs as they are enqueued: without a claim of their own. */
  handOff?: HandOff;
  /** The account named `username`, made when missing (a stateless app's). */
  ownAccount: (username: string) => Promise<Account>;
  now: () => number;
}

/**
 * A job leased in its enqueue's commit goes straight to the delivery worker: no claim (a commit
 * and a wake-up) per push at low load.
 */
export interface HandOff {
  /** The lease end for one job enqueued now, or undefined when the worker has no room for it. */
  reserve(): number | undefined;
  /** Ends one reservation: with the job leased for it (to `device`), or undefined when none was. */
  adopt(job: Job | undefined, device: Device): void;
}

/** Delivery history of one device, for diagnostics. */
export type DeviceState = Pick<
  Device,
  | 'provider'
  | 'app'
  | 'voip'
  | 'active'
  | 'successCount'
  | 'errorCount'
  | 'lastSuccessAt'
  | 'lastErrorAt'
  | 'lastError'
> & {
  /** Why this process cannot deliver to it now, when it cannot (its app or environment). */
  problem?: string;
};

/** A device's delivery history without its device token. */
export const stateOf = (d: Device): DeviceState => ({
  provider: d.provider,
  app: d.app,
  voip: d.voip,
  active: d.active,
  successCount: d.successCount,
  errorCount: d.errorCount,
  lastSuccessAt: d.lastSuccessAt,
  lastErrorAt: d.lastErrorAt,
  lastError: d.lastError,
});

export function createEnqueue(o: EnqueueOptions) {
  const { store, now } = o;
  const minIntervalMs = Math.ceil(60_000 / o.ratePerMinute);

  /**
   * Where a push goes among `devices`: a call rings each device's VoIP token where it has a live
   * one; anything else never goes to VoIP tokens (a VoIP push must report a call).
   */
  async function route(devices: Device[], n: Notification): Promise<Device[]> {
    const plain = devices.filter((d) => !d.voip);
    if (!n.call) return plain;
    return Promise.all(
      plain.map(async (d) => {
        const id = voipDeviceId(d.deviceId);
        const twin =
          devices.find((x) => x.voip && x.owner === d.owner && x.deviceId === id) ??
          (await store.devices.find(d.owner, d.provider, id));
        return twin?.active && o.apps.of(twin)?.voip ? twin : d;
      }),
    );
  }

  /** The account id of each stateless app, looked up once: every publish of the app needs it. */
  const statelessOwners = new Map<string, Promise<string>>();
  function statelessOwner(app: string): Promise<string> {
    let owner = statelessOwners.get(app);
    if (!owner) {
      owner = o.ownAccount(statelessAccountName(app)).then((a) => a.id);
      statelessOwners.set(app, owner);
      owner.catch(() => statelessOwners.delete(app));
    }
    return owner;
  }

  /**
   * Durably queues a push for each device that can take one; `gone` when no device is live, else
   * why none can take it (this process's trouble first: one such device makes the sender wait).
   */
  async function enqueue(
    devices: Array<Device | undefined>,
    n: Notification,
    at?: number,
  ): Promise<PushOutcome> {
    const targets = await route(
      devices.filter((d): d is Device => d?.active === true),
      n,
    );
    const obstacles = targets.map((d) => pushObstacle(o.apps, d, n));
    const live = targets.filter((_, i) => obstacles[i] === undefined);
    if (live.length === 0) {
      const found = obstacles.filter((x) => x !== undefined);
      return found.find((x) => 'unavailable' in x) ?? found[0] ?? 'gone';
    }
    const { priority, ...content } = n;
    const push = { payload: JSON.stringify(content), priority };
    const t = at ?? now();
    const outcomes = await Promise.all(live.map((d) => enqueueOne(d, push, t)));
    if (!outcomes.every((x) => typeof x === 'object')) o.onEnqueued();
    return outcomes.every((x) => x === 'coalesced') ? 'coalesced' : 'queued';
  }

  async function enqueueOne(device: Device, push: QueuedPush, t: number) {
    const leaseUntil = o.handOff?.reserve();
    if (leaseUntil === undefined) return store.queue.enqueue(device.id, push, minIntervalMs, t);
    let out: Job | 'queued' | 'coalesced' | undefined;
    try {
      out = await store.queue.enqueueLeased(device.id, push, minIntervalMs, t, leaseUntil);
      return out;
    } finally {
      o.handOff?.adopt(typeof out === 'object' ? out : undefined, device);
    }
  }

  /** A device's history, with why this process cannot deliver to it if it cannot. */
  const viewOf = (d: Device): DeviceState => {
    const problem = d.active ? deviceProblem(o.apps, d) : undefined;
    return problem
      ? {
          ...stateOf(d),
          problem: 'unavailable' in problem ? problem.unavailable : problem.undeliverable,
        }
      : stateOf(d);
  };

  /** The devices a token reaches: its own device, or every device of its account. */
  async function devicesOf(record: TokenRecord): Promise<Array<Device | undefined>> {
    return record.scope === 'device'
      ? [await store.devices.get(record.deviceId)]
      : store.devices.listByOwner(record.owner);
  }

  return {
    /**
     * Durably queues a push to the devices a token reaches. `at`: when it was made (default now),
     * which orders it against pushes other processes enqueue for the same devices.
     */
    async pushWithToken(record: TokenRecord, n: Notification, at?: number): Promise<PushOutcome> {
      return enqueue(await devicesOf(record), n, at);
    },

    /**
     * Durably queues a push to a device known only by its token (stateless apps). A token that
     * the provider said is dead stays dead: `gone`.
     */
    async pushStateless(
      route: DeviceRoute & { app: string; provider: ProviderName },
      deviceToken: string,
      n: Notification,
    ): Promise<PushOutcome> {
      const owner = await statelessOwner(route.app);
      const deviceId = tokenDeviceId(deviceToken);
      const { provider, ...rest } = route;
      let device = await store.devices.find(owner, provider, deviceId);
      if (device && !device.active) return 'gone';
      if (device?.app !== route.app || device.environment !== route.environment) {
        const input = { owner, provider, deviceId, deviceToken, ...rest };
        device = await store.devices.upsert(input, now());
      }
      return enqueue([device], n);
    },

    /** Durably queues a push to one device; `at` as for pushWithToken. */
    async pushToDevice(id: string, n: Notification, at?: number): Promise<PushOutcome> {
      return enqueue([await store.devices.get(id)], n, at);
    },

    /** The delivery history of the devices a token reaches. */
    async tokenDevices(record: TokenRecord): Promise<DeviceState[]> {
      return (await devicesOf(record)).filter((d): d is Device => d !== undefined).map(viewOf);
    },

    /** The delivery history of a device of this relay; undefined when it is gone. */
    async deviceState(id: string): Promise<DeviceState | undefined> {
      const device = await store.devices.get(id);
      return device && viewOf(device);
    },
  };
}
