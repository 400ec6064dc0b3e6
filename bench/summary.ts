// The end of a bench run: the tables and summary lines it prints, and the files it writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CPU_RATE } from './options.js';
import { type ChartPoint, fmt, latencySvg, say, table } from './report.js';
import { highlights, type ResultJson, type Results, resultJson } from './results.js';
import type { Bench } from './setup.js';

export function report(bench: Bench, r: Results): void {
  // 7. Report.
  printTables(bench, r);
  const result = resultJson(bench, r);
  printSummary(bench, r, result);
  writeFiles(bench, r, result);
}

function printTables(bench: Bench, r: Results): void {
  const o = bench.options;
  const noopFixed = r.noop.fixed;
  const { overload } = r.direct;
  const { redis } = r;
  const { all } = highlights(r);
  const rows = [...all, ...(overload ? [overload] : [])].map((s) => [
    s.label.replace(/^ours: /, ''),
    s.offered ?? `closed, ${o.window} out`,
    s.sent,
    s.answeredPerS,
    s.errors + s.unanswered,
    s === noopFixed ? '-' : s.pushes,
    s.pushesPerS,
    s.drainPushesPerS,
    s.replyP50,
    s.replyP99,
    s.apnsP50,
    s.apnsP99,
    s.cpu.ours ?? s.cpu.noop ?? Number.NaN,
    s.cpu.fake ?? Number.NaN,
    s.cpu.generator ?? Number.NaN,
    100 * s.machine.idle,
    100 * s.machine.steal,
    s.peakRssMb,
  ]);
  say('');
  say(
    table(
      [
        'run',
        'offered/s',
        'sent',
        'answered/s',
        'errors',
        'pushes',
        'pushes/s',
        'drain/s',
        'IQ p50 ms',
        'IQ p99 ms',
        'APNs p50 ms',
        'APNs p99 ms',
        'CPU comp',
        'CPU fake',
        'CPU gen',
        'idle %',
        'steal %',
        'peak RSS MB',
      ],
      rows,
    ),
  );
  if (redis) {
    say('');
    say(
      table(
        [
          'Redis store',
          'answered/s',
          'errors',
          'pushes/s',
          'IQ p99 ms',
          'APNs p99 ms',
          'CPU ours A',
          'CPU ours B',
          'CPU redis',
          'CPU fake',
          'CPU gen',
          'idle %',
          'steal %',
        ],
        [redis.one, redis.two].map((s, i) => [
          `${i + 1} process${i ? 'es' : ''}: ${o.count} publishes`,
          s.answeredPerS,
          s.errors + s.unanswered,
          s.pushesPerS,
          s.replyP99,
          s.apnsP99,
          s.cpu.ours ?? Number.NaN,
          s.cpu.ours2 ?? Number.NaN,
          s.cpu.redis ?? Number.NaN,
          s.cpu.fake ?? Number.NaN,
          s.cpu.generator ?? Number.NaN,
          100 * s.machine.idle,
          100 * s.machine.steal,
        ]),
      ),
    );
  }
}

function printSummary(bench: Bench, r: Results, result: ResultJson): void {
  const o = bench.options;
  const { reg } = bench;
  const { idleCores, overload, startNode, endNode } = r.direct;
  const { redis, prosody } = r;
  const { atCpu, cpuMsPerPublish } = highlights(r);
  const burst = prosody?.burst;
  say('');
  say(
    `fixed count: ${fmt(result.publishes_per_s)} publishes/s answered, ${fmt(result.pushes_per_s)} pushes/s delivered; ` +
      `no-op ceiling ${fmt(result.noop_publishes_per_s)}/s (ratio ${fmt(result.noop_ratio)})`,
  );
  say(
    `p99 publish→APNs at 1000/s: ${fmt(result.p99_ms_at_1000 ?? Number.NaN)} ms; RSS after start ` +
      `with ${reg.total.toLocaleString('en-US')} registrations: ${fmt(result.rss_mb_1m_registrations ?? Number.NaN)} MB, ` +
      `peak ${fmt(result.peak_rss_mb ?? Number.NaN)} MB`,
  );
  const mem = (m: typeof startNode) =>
    m
      ? `V8 heap ${fmt(m.heapUsedMb)} used of ${fmt(m.heapTotalMb)} MB, external ${fmt(m.externalMb)} MB`
      : 'n/a';
  say(`our process memory after start: ${mem(startNode)}; after the load: ${mem(endNode)}`);
  if (prosody) {
    say(
      `Prosody: ${prosody.messages} offline messages to ${prosody.users} users → ${prosody.pushes} pushes ` +
        `(${fmt(prosody.pushesPerOfflineMessage)} per message, ${fmt(prosody.pushesPerS)}/s, p99 ${fmt(prosody.p99Ms)} ms)`,
    );
  }
  if (atCpu) {
    say(
      `CPU at ${CPU_RATE}/s for ${o.cpuStepS} s: ${fmt(cpuMsPerPublish ?? Number.NaN)} ms of our process per publish ` +
        `(${fmt((atCpu.cpuS.ours ?? Number.NaN) * 1000)} ms for ${atCpu.results + atCpu.errors} publishes answered; ` +
        `${fmt(idleCores)} cores used idle in the second before)`,
    );
  }
  if (overload) {
    say(
      `overload ${o.overloadRate.toLocaleString('en-US')}/s offered for ${o.overloadS} s: ` +
        `${overload.sent.toLocaleString('en-US')} sent (${overload.unsent.toLocaleString('en-US')} held back by TCP, ` +
        `${overload.drainWaits} waits for drain), ${fmt(overload.answeredPerS)} answered/s, ` +
        `${overload.errors + overload.unanswered} errors or unanswered; peak RSS ${fmt(overload.phasePeakRssMb)} MB ` +
        `(VmRSS every 50 ms); ${overload.pushesMissing} answered publishes without a push`,
    );
  }
  if (redis) {
    say(
      `Redis (${redis.registrations.toLocaleString('en-US')} registrations): ${fmt(redis.one.answeredPerS)} publishes/s ` +
        `with 1 process, ${fmt(redis.two.answeredPerS)}/s with 2 (ratio ${fmt(redis.scaleoutRatio)})`,
    );
  }
  if (burst) {
    say(
      `Prosody bursts of ${burst.ours.messages} offline messages: no-op ${fmt(burst.noop.publishesPerS)} publishes/s answered, ` +
        `ours ${fmt(burst.ours.publishesPerS)}/s (ratio ${fmt(burst.ratio)}; ours answered ${burst.ours.publishes}, ` +
        `no-op ${burst.noop.publishes}); CPU ours ${fmt(burst.ours.cpu.component ?? Number.NaN)}, ` +
        `no-op ${fmt(burst.noop.cpu.component ?? Number.NaN)}, Prosody ${fmt(burst.ours.cpu.prosody ?? Number.NaN)} / ` +
        `${fmt(burst.noop.cpu.prosody ?? Number.NaN)}`,
    );
  }
  const unmet = Object.entries(result.targets)
    .filter(([, v]) => v === false)
    .map(([k]) => k);
  say(`targets missed: ${unmet.length ? unmet.join(', ') : 'none'}`);
}

function writeFiles(bench: Bench, r: Results, result: ResultJson): void {
  const o = bench.options;
  const { machine, profileDir } = bench;
  const { ramp } = r.direct;
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
  mkdirSync(dirname(o.svg), { recursive: true });
  const points: ChartPoint[] = ramp.map((s) => ({
    offered: s.offered ?? 0,
    p50: s.apnsP50,
    p99: s.apnsP99,
    replyP50: s.replyP50,
    replyP99: s.replyP99,
  }));
  writeFileSync(
    o.svg,
    latencySvg(
      points,
      `xmpp-push-relay: latency vs offered load (${machine.cpus} cores, ${result.date.slice(0, 10)})`,
      { ms: 50, label: 'target: p99 ≤ 50 ms at 1,000/s' },
    ),
  );
  say(`wrote ${o.json} and ${o.svg} (${fmt(result.duration_s)} s)`);
  if (profileDir) say(`CPU profile of our process in ${profileDir}`);
}
