// One fault run in a world (./world.ts): steady load, the fault in the middle, then the verdict
// (harness/faults/verdict.ts) checked against ./targets.ts, and the run's line for the output.
//
// What is measured how: publishes and their answers at the user's server's end of the XEP-0114
// link (what Prosody or ejabberd would see; nothing is read from our process): the publisher's
// own records, or with a real server what it logged (prosody.test.ts) or what was sent to it
// (ejabberd.test.ts); pushes at the fake providers with their arrival times. A push names its
// publish by `message-count`, or through a real server (which sends its own count) by the
// message body `m<seq>`, forwarded with `[push] include_body`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { timeline } from '../../harness/faults/timeline.js';
import { judge, type Verdict } from '../../harness/faults/verdict.js';
import {
  AFTER_MS,
  BEFORE_MS,
  FAULT_MS,
  IN_FLIGHT_MS,
  ISOLATION_LATENCY_MS,
  MAX_DUPLICATE_SHARE,
  MEASURE_MS,
  ON_TIME_MS,
  RATE_PER_S,
  REGISTRATIONS,
  SENDS_HELD_PER_PROCESS,
  SERVICE_BACK_MS,
  SERVICE_LATENCY_MS,
} from './targets.js';
import { type FaultWorld, providerOf, quietFromFault } from './world.js';

export interface FaultRun {
  verdict: Verdict;
  faultStart: number;
  faultEnd: number;
  /** The run second by second (harness/faults/timeline.ts), for a failure's message. */
  timeline?: string;
  /** How late this process's event loop was (p99 and max, ms): the fakes and the load live here. */
  lag?: { p99: number; max: number };
}

/** Where the publishes come from: the publisher, or messages through a real XMPP server. */
export interface Load {
  run(o: { targets: number; ratePerS: number; durationMs: number }): Promise<void>;
  mute(quiet: (target: number) => boolean): void;
  /** Waits for answers to what was sent (at most `timeoutMs`). */
  settle(timeoutMs: number): Promise<void>;
  /** The publishes the user's server sent, with their answers. */
  records(): PublishRecord[];
}

export function publisherLoad(world: FaultWorld): Load {
  const p = world.publisher;
  return {
    run: (o) => p.run({ ...o, targets: world.targets.slice(0, o.targets) }),
    mute: (q) => p.mute(q),
    settle: (ms) => p.settle(ms),
    records: () => p.records,
  };
}

/** A fault that is one act (a kill, a restart): it ends when the act has completed. */
export function oneAct(act: () => Promise<unknown>): Parameters<typeof runFault>[1] {
  let doneAt = 0;
  return {
    begin: async () => {
      await act();
      doneAt = Date.now();
    },
    durationMs: 0,
    end: () => doneAt,
  };
}

/**
 * Steady load for BEFORE_MS + FAULT_MS + AFTER_MS; `begin()` at BEFORE_MS; `end()` FAULT_MS later
 * returns when the fault ended (e.g. when a restarted process was connected again). Then waits
 * for late pushes as long as the targets allow (or MEASURE_MS) and judges.
 */
export async function runFault(
  world: FaultWorld,
  fault: {
    begin(): unknown;
    end(): Promise<number> | number;
    groupOf?: (t: number) => string;
    /** From begin() to end() (default FAULT_MS). */
    durationMs?: number;
  },
  source: Load = publisherLoad(world),
): Promise<FaultRun> {
  // The fakes, the load and the tap run in this process: its own lag delays what they stamp.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const load = source.run({
    targets: REGISTRATIONS,
    ratePerS: RATE_PER_S,
    durationMs: BEFORE_MS + FAULT_MS + AFTER_MS,
  });
  await sleep(BEFORE_MS);
  source.mute(quietFromFault);
  const faultStart = Date.now();
  await fault.begin();
  await sleep(Math.max(0, faultStart + (fault.durationMs ?? FAULT_MS) - Date.now()));
  const faultEnd = await fault.end();
  await load;
  await source.settle(10_000);
  const records = source.records();
  const lastSent = records.reduce(
    (m, r) => (Number.isNaN(r.sentAt) ? m : Math.max(m, r.sentAt)),
    0,
  );
  const waitUntil = Math.max(faultEnd, lastSent) + Math.max(ON_TIME_MS + 1000, MEASURE_MS);
  const verdictNow = () =>
    judge({
      records,
      pushes: world.pushes(),
      faultStart,
      killed: world.killed,
      faultEnd,
      onTimeMs: ON_TIME_MS,
      serviceLatencyMs: SERVICE_LATENCY_MS,
      groupOf: fault.groupOf,
      latencyWindow: [faultStart, faultEnd],
    });
  let verdict = verdictNow();
  while (verdict.missing > 0 && Date.now() < waitUntil) {
    await sleep(250);
    verdict = verdictNow();
  }
  // Duplicates come shortly after: give them a moment to show.
  await sleep(1000);
  verdict = verdictNow();
  lag.disable();
  const late = { p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) };
  const seconds =
    `timeline from the fault's start (${new Date(faultStart).toISOString()}), fault end +${faultEnd - faultStart} ms; ` +
    `this process's event loop late by p99 ${late.p99} ms, max ${late.max} ms:\n${timeline(records, world.pushes(), faultStart, providerOf)}`;
  if (process.env.FAULTS_TIMELINE) console.log(seconds);
  return { verdict, faultStart, faultEnd, timeline: seconds, lag: late };
}

/**
 * The promises of ./targets.ts that `run` broke, as sentences (empty: all kept). `killed`: how
 * many of our processes the fault killed (their sends in flight may go out again).
 */
export function broken(run: FaultRun, o: { isolated?: string; killed?: number } = {}): string[] {
  const v = run.verdict;
  const out: string[] = [];
  if (v.missing > 0) {
    const some = v.missingExamples.map((r) => {
      const at = (t: number) =>
        Number.isFinite(t) ? new Date(t).toISOString().slice(11, 23) : '-';
      return `u${r.target} m${r.seq} (link #${r.link ?? '?'}, sent ${at(r.sentAt)}, answered ${at(r.answeredAt)})`;
    });
    out.push(`${v.missing} publishes answered result were never pushed: ${some.join(', ')}`);
  }
  if (v.late > 0) {
    out.push(
      `${v.late} pushes late (> ${ON_TIME_MS} ms after the fault's end or their publish; last publish before the fault's end pushed ${Math.round(v.lastPushAfterFaultMs)} ms after it)`,
    );
  }
  if (v.nonWait > 0) out.push(`${v.nonWait} non-wait errors: ${JSON.stringify(v.errors)}`);
  const fromKill = o.killed ? v.repeatedInFlight : 0;
  if (v.duplicates - fromKill > v.results * MAX_DUPLICATE_SHARE) {
    out.push(
      `${v.duplicates - fromKill} duplicate pushes (more than ${MAX_DUPLICATE_SHARE * 100} %)${o.killed ? ' besides the sends in flight at the kill' : ''}`,
    );
  }
  if (fromKill > (o.killed ?? 0) * SENDS_HELD_PER_PROCESS) {
    out.push(
      `${fromKill} sends in flight at the kill repeated (a process holds ${SENDS_HELD_PER_PROCESS})`,
    );
  }
  if (fromKill > 0 && v.oldestRepeatedMs > IN_FLIGHT_MS) {
    out.push(
      `a push first delivered ${Math.round(v.oldestRepeatedMs)} ms before the kill was repeated (in flight at most ${IN_FLIGHT_MS} ms)`,
    );
  }
  if (!(v.serviceBackMs <= SERVICE_BACK_MS)) {
    out.push(
      `service back ${Math.round(v.serviceBackMs)} ms after the fault (target ${SERVICE_BACK_MS} ms)`,
    );
  }
  const other = o.isolated === undefined ? undefined : v.worstLatencyMs[o.isolated];
  if (o.isolated !== undefined && !(other !== undefined && other <= ISOLATION_LATENCY_MS)) {
    out.push(
      `${o.isolated} pushes during the fault took up to ${Math.round(other ?? Number.NaN)} ms (target ${ISOLATION_LATENCY_MS} ms)`,
    );
  }
  return out;
}

/**
 * Fails the test when `run` broke a promise (broken()), with the run's timeline in the message:
 * where the time went, also in a CI log that has nothing else.
 */
export function expectKept(run: FaultRun, o: Parameters<typeof broken>[1] = {}): void {
  const why = broken(run, o);
  if (why.length > 0) throw new Error(`${why.join('\n')}\n\n${run.timeline ?? ''}`);
}

/** One line per run for the test output (and the measurements in docs/operations.md). */
export function describeRun(name: string, run: FaultRun): string {
  const v = run.verdict;
  const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : String(n));
  return (
    `${name}: ${v.publishes} publishes (${v.unsent} unsent, ${v.unanswered} unanswered), ` +
    `${v.results} result, errors ${JSON.stringify(v.errors)}; ${v.pushes} pushes, ` +
    `${v.duplicates} duplicates (${v.repeatedInFlight} first sent by a killed process, the oldest ${Math.round(v.oldestRepeatedMs)} ms before the fault), ${v.missing} missing, ${v.late} late; last push of a publish ` +
    `before the fault's end ${ms(v.lastPushAfterFaultMs)} after it; service back after ` +
    `${ms(v.serviceBackMs)}; worst latency during the fault ${JSON.stringify(
      Object.fromEntries(Object.entries(v.worstLatencyMs).map(([k, n]) => [k, Math.round(n)])),
    )}${run.lag ? `; test process late by p99 ${run.lag.p99} ms, max ${run.lag.max} ms` : ''}`
  );
}
