// Store types, the delivery queue: pushes waiting for their device, leased to the workers.

export type Priority = 'high' | 'low';

/** What is queued for a device: a JSON object (opaque to the store) and its priority. */
export interface QueuedPush {
  payload: string;
  priority: Priority;
}

export interface Job extends QueuedPush {
  id: string;
  deviceId: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  createdAt: number;
  /** This claim's token: only its holder may extend, complete or retry the job. */
  lease: string;
}

/** A claimed job as its holder names it. */
export type Lease = Pick<Job, 'id' | 'lease'>;

export interface QueueStore {
  /**
   * Durably enqueues a push for a device, made at `now`. While a job for the device waits untried,
   * the push merges into it (`coalesced`): the members of the newer payload (the later made: a
   * push enqueued after a later one, as two processes may, does not overwrite it) replace the
   * others, members only one has stay, and the priority is the higher of the two. Otherwise a new
   * job is due `minIntervalMs` after the device's previous one at the earliest (the first one at once).
   * A job parked in retry backoff is never merged into: the new push takes its content along
   * (merged the same way) and replaces it, with fresh attempts.
   */
  enqueue(
    deviceId: string,
    push: QueuedPush,
    minIntervalMs: number,
    now: number,
  ): Promise<'queued' | 'coalesced'>;
  /**
   * As `enqueue`; and a job due at once (a new one, or a parked one the push revives) is leased
   * to the caller until `leaseUntil` in the same commit, as `claim` leases it, and returned: the
   * caller delivers it without claiming it. A push that merges or is spaced out is not leased.
   */
  enqueueLeased(
    deviceId: string,
    push: QueuedPush,
    minIntervalMs: number,
    now: number,
    leaseUntil: number,
  ): Promise<'queued' | 'coalesced' | Job>;
  /**
   * Leases up to `limit` due jobs until `leaseUntil`, atomically: two workers never get the same
   * lease. A crashed worker's lease expires and the job is claimed again (at least once), unless
   * a newer job for its device waits untried and is due: that one takes its content along (merged
   * as in enqueue) and it is dropped, so that the device gets one push, not the old one again
   * (its holder had likely sent it) and then the new one.
   */
  claim(limit: number, now: number, leaseUntil: number): Promise<Job[]>;
  /** Moves the end of the leases still held to `leaseUntil`, in one call (a heartbeat). */
  extend(leases: readonly Lease[], leaseUntil: number): Promise<void>;
  /** Removes the job; nothing when `job.lease` is no longer its lease (claimed again since). */
  complete(job: Lease): Promise<void>;
  /**
   * Parks a leased job until `dueAt` (nothing for a stale lease, as in complete); `untried`: the
   * attempt it was claimed for does not count. When a newer job for the device waits, the newer
   * one takes this one's content along (merged as in enqueue) and this one is dropped.
   */
  retry(job: Lease, dueAt: number, untried?: boolean): Promise<void>;
  /** Jobs in the queue and the age of the oldest, for health and metrics. */
  stats(now: number): Promise<{ depth: number; oldestAgeMs: number }>;
}
