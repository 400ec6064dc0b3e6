// One measured phase: the generator sends publishes (closed or open loop), the bench waits for
// their pushes at the fake APNs, and reads CPU, memory and latencies for it.
import { cpuMeter, machineMeter, readMemory, rssSampler } from './children.js';
import type { FakeApnsChild } from './fake-apns.js';
import type { LoadServer, PhaseResult, Target } from './generator.js';
import type { Credentials } from './registrations.js';
import { fmt, Progress, percentile } from './report.js';

export interface PhaseStats {
  label: string;
  /** Offered publishes/s (open loop) or undefined (closed loop). */
  offered?: number;
  sent: number;
  /** Publishes never written (the offer ended while TCP held them back). */
  unsent: number;
  /** Times the generator waited for its socket to drain (TCP pushing back). */
  drainWaits: number;
  results: number;
  errors: number;
  errorKinds: Record<string, number>;
  unanswered: number;
  answeredPerS: number;
  replyP50: number;
  replyP99: number;
  /** Pushes that reached the fake APNs for this phase's publishes. */
  pushes: number;
  /** Publishes answered with a result whose push never reached the fake APNs. */
  pushesMissing: number;
  /** Registrations that got more than one push. */
  duplicates: number;
  pushesPerS: number;
  /** Pushes/s after the last publish was answered (delivery alone, draining the backlog). */
  drainPushesPerS: number;
  apnsP50: number;
  apnsP99: number;
  /** CPU use during the phase, in cores (1.0 = one core busy). */
  cpu: Record<string, number>;
  /** CPU time during the phase, in seconds. */
  cpuS: Record<string, number>;
  /** The whole machine during the phase (fractions of all cores): idle, waiting on I/O, stolen. */
  machine: { busy: number; idle: number; iowait: number; steal: number };
  /** VmHWM at the end of the phase (the process's peak over its whole life). */
  peakRssMb: number;
  /** Highest VmRSS sampled every 50 ms during this phase (load and delivery wait). */
  phasePeakRssMb: number;
  /** First send to last answer or push, on the shared clock (to cut profiles). */
  window: { fromMs: number; toMs: number };
}

/** Hands out targets from `credentials` in order; target k has token index `firstIndex + k`. */
export function targetPicker(credentials: Credentials[], firstIndex = 0): (n: number) => Target[] {
  let next = 0;
  return (n) => {
    if (next + n > credentials.length) {
      throw new Error(`needs ${next + n} registrations with known secrets`);
    }
    const out = credentials
      .slice(next, next + n)
      .map((c, i) => ({ ...c, index: firstIndex + next + i }));
    next += n;
    return out;
  };
}

export async function runPhase(o: {
  label: string;
  gen: LoadServer;
  targets: Target[];
  rate?: number;
  window?: number;
  /** Open loop: stop offering when the planned time is over (see PhaseOptions). */
  stopAtPlannedEnd?: boolean;
  fake?: FakeApnsChild;
  pids: Record<string, number>;
  memPid?: number;
  drainMs: number;
  deliveryMs: number;
}): Promise<PhaseStats> {
  const n = o.targets.length;
  const progress = new Progress(o.label, n);
  const cpu = cpuMeter(o.pids);
  const box = machineMeter();
  const rss = o.memPid ? rssSampler(o.memPid, 50) : () => Number.NaN;
  const wall0 = performance.now();
  const pushesBefore = o.fake?.total ?? 0;
  const r: PhaseResult = await o.gen.run({
    targets: o.targets,
    rate: o.rate,
    window: o.window,
    drainMs: o.drainMs,
    stopAtPlannedEnd: o.stopAtPlannedEnd,
    onProgress: (answered) =>
      progress.update(answered, o.fake ? `pushed ${o.fake.total - pushesBefore}` : ''),
  });
  let delivered = true;
  if (o.fake) {
    delivered = await o.fake.waitTotal(pushesBefore + r.results, o.deliveryMs, (t) =>
      progress.update(r.sent - r.unanswered, `pushed ${t - pushesBefore}`),
    );
  }
  const wallS = (performance.now() - wall0) / 1000;
  const cpuS = cpu();
  const machine = box();
  const phasePeakRssMb = rss();
  const apnsMs: number[] = [];
  let pushes = 0;
  let pushesMissing = 0;
  let duplicates = 0;
  let lastArrival = Number.NaN;
  const lastAnswer = r.firstSendMs + r.elapsedMs;
  let afterAnswers = 0;
  if (o.fake) {
    for (let i = 0; i < n; i++) {
      const a = o.fake.arrivals.get((o.targets[i] as Target).index);
      if (!a) {
        if (r.resultOk[i]) pushesMissing++;
        continue;
      }
      pushes++;
      if (a.count > 1) duplicates++;
      apnsMs.push(a.first - (r.sendTimes[i] as number));
      if (!(a.first <= lastArrival)) lastArrival = a.first;
      if (a.first > lastAnswer) afterAnswers++;
    }
  }
  const stats: PhaseStats = {
    label: o.label,
    offered: o.rate,
    sent: r.sent,
    unsent: r.unsent,
    drainWaits: r.drainWaits,
    results: r.results,
    errors: r.errors,
    errorKinds: r.errorKinds,
    // Without stopAtPlannedEnd every target is meant to be sent: one left unsent is lost too.
    unanswered: r.unanswered + (o.stopAtPlannedEnd ? 0 : r.unsent),
    answeredPerS: (r.results + r.errors) / (r.elapsedMs / 1000),
    replyP50: percentile(r.replyMs, 50),
    replyP99: percentile(r.replyMs, 99),
    pushes,
    pushesMissing,
    duplicates,
    pushesPerS: o.fake ? pushes / ((lastArrival - r.firstSendMs) / 1000) : Number.NaN,
    drainPushesPerS:
      afterAnswers >= 500 ? afterAnswers / ((lastArrival - lastAnswer) / 1000) : Number.NaN,
    apnsP50: percentile(apnsMs, 50),
    apnsP99: percentile(apnsMs, 99),
    cpu: Object.fromEntries(Object.entries(cpuS).map(([k, s]) => [k, s / wallS])),
    cpuS,
    machine,
    peakRssMb: o.memPid ? (readMemory(o.memPid)?.hwmMb ?? Number.NaN) : Number.NaN,
    phasePeakRssMb,
    window: {
      fromMs: r.firstSendMs,
      toMs: Math.max(r.firstSendMs + r.elapsedMs, Number.isNaN(lastArrival) ? 0 : lastArrival),
    },
  };
  const errs = r.errors ? `, ${r.errors} errors ${JSON.stringify(r.errorKinds)}` : '';
  const lost = stats.unanswered ? `, ${stats.unanswered} UNANSWERED` : '';
  const held = o.stopAtPlannedEnd && r.unsent ? `, ${r.unsent} not sent (TCP held them)` : '';
  const undelivered = delivered ? '' : `, only ${pushes} pushes arrived`;
  progress.done(
    `${fmt(stats.answeredPerS)} answered/s` +
      (o.fake ? `, ${fmt(stats.pushesPerS)} pushes/s, APNs p99 ${fmt(stats.apnsP99)} ms` : '') +
      (Number.isFinite(stats.drainPushesPerS)
        ? ` (backlog drained at ${fmt(stats.drainPushesPerS)} pushes/s)`
        : '') +
      errs +
      lost +
      held +
      undelivered,
  );
  return stats;
}
