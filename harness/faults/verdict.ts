// What a fault run did, from what the user's server saw (publishes and their answers, see
// publisher.ts) and what the providers saw (pushes and when they arrived). A push names the
// publish it carries by its `message-count` (the publisher sends 1, 2, 3… per registration;
// merged pushes keep the newest), so publish n of a registration is delivered by the first push
// to that device whose count is n or more.
import type { PublishRecord } from './publisher.js';

/** One push the fake provider accepted: to registration `target`, carrying `count`. */
export interface Push {
  target: number;
  count: number;
  at: number;
  /** The connection it came over, "ourPort>providerPort" (harness/servers/proc.ts tcpConnectionsOf). */
  conn?: string;
}

export interface Verdict {
  /** Publishes due during the run, and those not sent because no component was connected. */
  publishes: number;
  unsent: number;
  results: number;
  /** Error answers by `type/condition`. */
  errors: Record<string, number>;
  /** Error answers whose type is not `wait` (the user's server may switch push off). */
  nonWait: number;
  /** Sent, never answered (the link closed first). */
  unanswered: number;
  /** Answered `result` and no push carried them. */
  missing: number;
  /** The first few of those, for finding them in the logs. */
  missingExamples: PublishRecord[];
  /** Answered `result`, pushed later than `onTimeMs` after max(fault end, sent). */
  late: number;
  /** The latest push of a publish sent before the fault ended, in ms after the fault ended. */
  lastPushAfterFaultMs: number;
  pushes: number;
  /** Pushes that carried a count the same device had already received. */
  duplicates: number;
  /**
   * Of those, the ones whose first copy a killed process had sent (over one of `killed`
   * connections: it had them in flight, sent but the answer not yet read or not yet committed),
   * and how long before the fault's start the oldest such first copy came (ms; 0 when none, or
   * when all came after the start: the provider read them after the kill).
   */
  repeatedInFlight: number;
  oldestRepeatedMs: number;
  /**
   * From the fault's end until publishes were answered `result` and pushed within
   * `serviceLatencyMs` again (every one sent from then on); NaN when never.
   */
  serviceBackMs: number;
  /** Per group of registrations (e.g. by provider): the worst publish→push time, ms. */
  worstLatencyMs: Record<string, number>;
}

export function judge(o: {
  records: PublishRecord[];
  pushes: Push[];
  /** Date.now() when the fault started and ended. */
  faultStart?: number;
  /** The connections of the processes the fault killed (Push.conn). */
  killed?: ReadonlySet<string>;
  faultEnd: number;
  onTimeMs: number;
  serviceLatencyMs: number;
  /** Group name of a registration, for worstLatencyMs. */
  groupOf?: (target: number) => string;
  /** Only publishes sent in [from, to) count for worstLatencyMs. */
  latencyWindow?: [number, number];
}): Verdict {
  const byTarget = new Map<number, Push[]>();
  /** Each count's first push to each device. */
  const firsts = new Map<string, Push>();
  let duplicates = 0;
  let repeatedInFlight = 0;
  let oldestRepeatedMs = 0;
  const start = o.faultStart ?? Number.NEGATIVE_INFINITY;
  for (const p of [...o.pushes].sort((a, b) => a.at - b.at)) {
    const key = `${p.target}/${p.count}`;
    const first = firsts.get(key);
    if (first !== undefined) {
      duplicates++;
      if (first.conn !== undefined && o.killed?.has(first.conn)) {
        repeatedInFlight++;
        oldestRepeatedMs = Math.max(oldestRepeatedMs, start - first.at);
      }
    } else firsts.set(key, p);
    const list = byTarget.get(p.target) ?? [];
    list.push(p);
    byTarget.set(p.target, list);
  }
  const recordsByTarget = new Map<number, PublishRecord[]>();
  for (const r of o.records) {
    const list = recordsByTarget.get(r.target) ?? [];
    list.push(r);
    recordsByTarget.set(r.target, list);
  }
  // When each publish's push arrived (NaN: never), by walking each device's pushes in time order.
  const pushedAt = new Map<PublishRecord, number>();
  for (const [target, recs] of recordsByTarget) {
    const pushes = byTarget.get(target) ?? [];
    let j = 0;
    let max = 0;
    let raisedAt = Number.NaN;
    for (const r of recs) {
      while (max < r.seq && j < pushes.length) {
        const p = pushes[j++] as Push;
        if (p.count > max) {
          max = p.count;
          raisedAt = p.at;
        }
      }
      pushedAt.set(r, max >= r.seq ? raisedAt : Number.NaN);
    }
  }

  const v: Verdict = {
    publishes: o.records.length,
    unsent: 0,
    results: 0,
    errors: {},
    nonWait: 0,
    unanswered: 0,
    missing: 0,
    missingExamples: [],
    late: 0,
    lastPushAfterFaultMs: Number.NEGATIVE_INFINITY,
    pushes: o.pushes.length,
    duplicates,
    repeatedInFlight,
    oldestRepeatedMs,
    serviceBackMs: 0,
    worstLatencyMs: {},
  };
  let lastBad = Number.NaN;
  for (const r of o.records) {
    const at = pushedAt.get(r) ?? Number.NaN;
    const good = r.type === 'result' && at - r.sentAt <= o.serviceLatencyMs;
    const due = Number.isNaN(r.sentAt) ? r.dueAt : r.sentAt;
    if (!good && due >= o.faultEnd && !(due <= lastBad)) lastBad = due;
    if (Number.isNaN(r.sentAt)) {
      v.unsent++;
      continue;
    }
    if (r.type === '') v.unanswered++;
    if (r.type === 'error') {
      const k = `${r.errorType}/${r.condition}`;
      v.errors[k] = (v.errors[k] ?? 0) + 1;
      if (r.errorType !== 'wait') v.nonWait++;
    }
    if (r.type !== 'result') continue;
    v.results++;
    if (Number.isNaN(at)) {
      v.missing++;
      if (v.missingExamples.length < 5) v.missingExamples.push(r);
      continue;
    }
    if (at > Math.max(o.faultEnd, r.sentAt) + o.onTimeMs) v.late++;
    if (r.sentAt < o.faultEnd) {
      v.lastPushAfterFaultMs = Math.max(v.lastPushAfterFaultMs, at - o.faultEnd);
    }
    const [from, to] = o.latencyWindow ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
    if (o.groupOf && r.sentAt >= from && r.sentAt < to) {
      const g = o.groupOf(r.target);
      v.worstLatencyMs[g] = Math.max(v.worstLatencyMs[g] ?? 0, at - r.sentAt);
    }
  }
  v.serviceBackMs = Number.isNaN(lastBad) ? 0 : lastBad - o.faultEnd;
  const lastDue = o.records.at(-1)?.dueAt ?? 0;
  if (lastBad === lastDue) v.serviceBackMs = Number.NaN;
  return v;
}
