// The results of a bench run, and the JSON that --json writes from them (see bench/README.md).
import type { DirectLoad } from './direct-load.js';
import type { NoopCeiling } from './noop-ceiling.js';
import { CPU_RATE } from './options.js';
import type { PhaseStats } from './phase.js';
import type { ProsodyResult } from './prosody-mode.js';
import type { RedisResult } from './redis-mode.js';
import { type Bench, RATE_PER_MINUTE } from './setup.js';

export interface Results {
  noop: NoopCeiling;
  direct: DirectLoad;
  redis?: RedisResult;
  prosody?: ProsodyResult;
  /** Why the Prosody mode did not run. */
  prosodySkipped?: string;
}

export interface Highlights {
  at1000?: PhaseStats;
  atCpu?: PhaseStats;
  /** The no-op, fixed-count and ramp runs (not the overload). */
  all: PhaseStats[];
  /** CPU of our process per publish answered in the CPU_RATE step (null: no such step). */
  cpuMsPerPublish: number | null;
}

/** The runs that the summary lines and the JSON both single out. */
export function highlights(r: Results): Highlights {
  const noopFixed = r.noop.fixed;
  const { fixed, ramp } = r.direct;
  const at1000 = ramp.find((s) => s.offered === 1000);
  const atCpu = ramp.find((s) => s.offered === CPU_RATE);
  const all = [noopFixed, fixed, ...ramp];
  const cpuMsPerPublish = atCpu
    ? ((atCpu.cpuS.ours ?? Number.NaN) * 1000) / (atCpu.results + atCpu.errors)
    : null;
  return { at1000, atCpu, all, cpuMsPerPublish };
}

export function resultJson(bench: Bench, r: Results) {
  const o = bench.options;
  const { started, machine, reg } = bench;
  const noopFixed = r.noop.fixed;
  const noopCount = r.noop.count;
  const { fixed, ramp, idleCores, overload, startMem, startNode, endMem, endNode } = r.direct;
  const { redis, prosody, prosodySkipped } = r;
  const { at1000, atCpu, all, cpuMsPerPublish } = highlights(r);
  const burst = prosody?.burst;
  const rssBasis =
    reg.total >= 1_000_000
      ? `measured with ${reg.total} registrations stored`
      : `measured with ${reg.total} registrations stored (not 1,000,000; not extrapolated)`;
  return {
    date: new Date(started).toISOString(),
    mode: o.quick ? 'quick' : 'full',
    machine,
    settings: {
      count: o.count,
      noop_count: noopCount,
      window: o.window,
      rates: o.rates,
      step_s: o.stepS,
      cpu_step_s: o.cpuStepS,
      overload_rate: o.overloadRate,
      overload_s: o.overloadS,
      registrations: reg.total,
      redis_registrations: redis?.registrations ?? null,
      prosody_burst_messages: o.burst,
      parser: o.parser,
      rate_per_minute: RATE_PER_MINUTE,
      users: o.users,
      messages: o.messages,
    },
    publishes_per_s: fixed.answeredPerS,
    pushes_per_s: fixed.pushesPerS,
    p99_ms_at_1000: at1000?.apnsP99 ?? null,
    p99_reply_ms_at_1000: at1000?.replyP99 ?? null,
    noop_publishes_per_s: noopFixed.answeredPerS,
    noop_ratio: fixed.answeredPerS / noopFixed.answeredPerS,
    rss_mb_1m_registrations: startMem?.rssMb ?? null,
    rss_mb_1m_registrations_basis: rssBasis,
    rss_registrations_stored: reg.total,
    peak_rss_mb: endMem?.hwmMb ?? null,
    memory: {
      after_start: { ...startMem, ...startNode },
      after_load: { ...endMem, ...endNode },
    },
    prosody_pushes_per_offline_message: prosody?.pushesPerOfflineMessage ?? null,
    prosody_pushes_per_s: prosody?.pushesPerS ?? null,
    cpu_ms_per_publish_at_200: cpuMsPerPublish,
    cpu_at_200: atCpu
      ? {
          cpu_ms: (atCpu.cpuS.ours ?? Number.NaN) * 1000,
          publishes_answered: atCpu.results + atCpu.errors,
          seconds: o.cpuStepS,
          idle_cores_before: idleCores,
        }
      : null,
    peak_rss_mb_at_overload: overload?.phasePeakRssMb ?? null,
    overload_pushes_missing: overload?.pushesMissing ?? null,
    overload_answered_per_s: overload?.answeredPerS ?? null,
    redis_publishes_per_s: redis?.one.answeredPerS ?? null,
    redis_scaleout_ratio: redis?.scaleoutRatio ?? null,
    prosody_noop_publishes_per_s: burst?.noop.publishesPerS ?? null,
    prosody_our_publishes_per_s: burst?.ours.publishesPerS ?? null,
    prosody_noop_ratio: burst?.ratio ?? null,
    prosody: prosody ?? { skipped: prosodySkipped },
    registrations: {
      total: reg.total,
      api_count: reg.apiCount,
      api_per_s: reg.apiPerS,
      batched_count: reg.bulkCount,
      batched_per_s: reg.bulkPerS,
    },
    errors: all.reduce((s, p) => s + p.errors + p.unanswered, 0),
    fixed,
    noop: noopFixed,
    ramp,
    overload: overload ?? null,
    redis: redis ?? { skipped: '--no-redis' },
    targets: {
      publishes_per_s_ge_10000: fixed.answeredPerS >= 10_000,
      pushes_per_s_ge_5000: fixed.pushesPerS >= 5000,
      p99_ms_at_1000_le_50: at1000 ? at1000.apnsP99 <= 50 : null,
      noop_ratio_ge_0_5: fixed.answeredPerS / noopFixed.answeredPerS >= 0.5,
      rss_mb_le_200: startMem ? startMem.rssMb <= 200 && reg.total >= 1_000_000 : null,
      prosody_one_push_per_message: prosody ? prosody.pushesPerOfflineMessage === 1 : null,
      p99_ms_at_1000_le_10: at1000 ? at1000.apnsP99 <= 10 : null,
      peak_rss_mb_at_overload_le_250: overload
        ? overload.phasePeakRssMb <= 250 && overload.pushesMissing === 0
        : null,
      cpu_ms_per_publish_at_200_le_0_3: cpuMsPerPublish === null ? null : cpuMsPerPublish <= 0.3,
      prosody_noop_ratio_ge_0_9: burst ? burst.ratio >= 0.9 : null,
      redis_publishes_per_s_ge_5000: redis ? redis.one.answeredPerS >= 5000 : null,
      redis_scaleout_ratio_ge_1_6: redis ? redis.scaleoutRatio >= 1.6 : null,
    },
    duration_s: (Date.now() - started) / 1000,
  };
}

export type ResultJson = ReturnType<typeof resultJson>;
