// `npm run bench [-- --quick] [--json FILE] [--svg FILE] …`: the operators' numbers.
// See bench/README.md for what each number means.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { testApnsKey } from '../harness/fakes/apns-server.js';
import { freePort } from '../harness/servers/ports.js';
import { cleanupAll, cpuMeter, forkChild, readMemory, tempDir } from './children.js';
import { startFakeApnsChild } from './fake-apns.js';
import { type ParserKind, startLoadServer, type Target } from './generator.js';
import { COMPONENT_DOMAIN, scrapeMemory, startOurProcess, writeOurConfig } from './our-process.js';
import { type PhaseStats, runPhase, targetPicker } from './phase.js';
import { type Profile, summarize } from './profile-summary.js';
import { type ProsodyResult, prosodyAvailable, runProsodyMode } from './prosody-mode.js';
import { type RedisResult, runRedisMode } from './redis-mode.js';
import { createRegistrations } from './registrations.js';
import { type ChartPoint, fmt, latencySvg, Progress, say, table } from './report.js';

const SECRET = 'bench-secret';
/** `[push] rate_per_minute` for the bench: 60000/6e6 rounds up to 1 ms between pushes per device. */
const RATE_PER_MINUTE = 6_000_000;
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The ramp step whose CPU per publish is reported. */
const CPU_RATE = 200;

const USAGE = `Usage: npm run bench -- [options]
  --quick              short run (3,000 publishes, short ramp, 120,000 registrations, 50 users)
  --json FILE          write the results as JSON (default bench-results/results.json)
  --svg FILE           latency chart (default bench-results/latency.svg)
  --count N            publishes of the fixed-count run (default 20000; quick 3000)
  --window N           publishes outstanding in the fixed-count run (default 1000)
  --rates LIST         offered loads of the ramp, publishes/s (default
                       200,250,500,1000,2000,5000,10000; quick 200,500,1000,5000)
  --step-s S           seconds per ramp step (default 4; quick 2)
  --cpu-step-s S       seconds of the ${CPU_RATE}/s step (default 10; quick 4)
  --overload-rate N    offered publishes/s of the overload phase (default 20000)
  --overload-s S       seconds of the overload phase (default 10; quick 5; 0: none)
  --registrations N    registrations stored before start (default 1000000; quick 100000, or
                       as many as the phases need when that is more)
  --users N            Prosody mode users (default 500; quick 50)
  --messages N         Prosody mode offline messages (default 4 per user)
  --burst N            Prosody mode: offline messages of each burst (default 5000; quick 2000;
                       0: none)
  --parser ltx|scan    how the generator reads answers: ltx's streaming parser (default) or a
                       regular expression over start tags
  --no-prosody         skip the Prosody mode
  --no-redis           skip the Redis runs
  --profile            run our process under --cpu-prof (profiles in bench-results/profiles)
  -h, --help`;

interface Options {
  quick: boolean;
  json: string;
  svg: string;
  count: number;
  window: number;
  rates: number[];
  stepS: number;
  cpuStepS: number;
  overloadRate: number;
  overloadS: number;
  /** Explicit --registrations, else undefined (the default depends on what the phases need). */
  registrations?: number;
  users: number;
  messages: number;
  burst: number;
  parser: ParserKind;
  prosody: boolean;
  redis: boolean;
  profile: boolean;
}

function options(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      svg: { type: 'string' },
      count: { type: 'string' },
      window: { type: 'string' },
      rates: { type: 'string' },
      'step-s': { type: 'string' },
      'cpu-step-s': { type: 'string' },
      'overload-rate': { type: 'string' },
      'overload-s': { type: 'string' },
      registrations: { type: 'string' },
      users: { type: 'string' },
      messages: { type: 'string' },
      burst: { type: 'string' },
      parser: { type: 'string' },
      'no-prosody': { type: 'boolean' },
      'no-redis': { type: 'boolean' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const int = (v: string | undefined, dflt: number, min: number, max: number, name: string) => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name}: expected an integer from ${min} to ${max}`);
    }
    return n;
  };
  const rates = (values.rates ?? (quick ? '200,500,1000,5000' : '200,250,500,1000,2000,5000,10000'))
    .split(',')
    .map((r) => int(r.trim(), 0, 1, 100_000, 'rates'));
  const parser = values.parser ?? 'ltx';
  if (parser !== 'scan' && parser !== 'ltx') throw new Error('--parser: scan or ltx');
  const users = int(values.users, quick ? 50 : 500, 1, 5000, 'users');
  return {
    quick,
    json: resolve(values.json ?? join(ROOT, 'bench-results/results.json')),
    svg: resolve(values.svg ?? join(ROOT, 'bench-results/latency.svg')),
    count: int(values.count, quick ? 3000 : 20_000, 1, 1_000_000, 'count'),
    window: int(values.window, 1000, 1, 100_000, 'window'),
    rates,
    stepS: int(values['step-s'], quick ? 2 : 4, 1, 60, 'step-s'),
    cpuStepS: int(values['cpu-step-s'], quick ? 4 : 10, 1, 60, 'cpu-step-s'),
    overloadRate: int(values['overload-rate'], 20_000, 1, 100_000, 'overload-rate'),
    overloadS: int(values['overload-s'], quick ? 5 : 10, 0, 60, 'overload-s'),
    registrations:
      values.registrations === undefined
        ? undefined
        : int(values.registrations, 0, 1, 5_000_000, 'registrations'),
    users,
    messages: int(values.messages, users * (quick ? 2 : 4), 1, 100_000, 'messages'),
    burst: int(values.burst, quick ? 2000 : 5000, 0, 100_000, 'burst'),
    parser,
    prosody: !values['no-prosody'],
    redis: !values['no-redis'],
    profile: values.profile ?? false,
  };
}

/** Stand-ins of the same sizes as real node/secret pairs, for the no-op component. */
function noopTargets(n: number): Target[] {
  return Array.from({ length: n }, (_, i) => ({
    node: `noop${String(i).padStart(18, '0')}`,
    secret: i.toString(16).padStart(40, '0'),
    index: i,
  }));
}

async function main(): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  const o = opts;
  const started = Date.now();
  const machine = {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  say(
    `xmpp-push-relay bench (${o.quick ? 'quick' : 'full'}) on ${machine.cpus} cores, Node ${machine.node}`,
  );
  const key = testApnsKey();
  const profileDir = o.profile ? join(ROOT, 'bench-results/profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  // 1. Registrations, through the registration code path.
  const warmup = o.quick ? 500 : 1000;
  const stepS = (rate: number) => (rate === CPU_RATE ? o.cpuStepS : o.stepS);
  const overloadCount = o.overloadRate * o.overloadS;
  const needed = warmup + o.count + o.rates.reduce((s, r) => s + r * stepS(r), 0) + overloadCount;
  const registrations =
    o.registrations ?? Math.max(o.quick ? 100_000 : 1_000_000, Math.ceil(needed / 10_000) * 10_000);
  if (needed > registrations) {
    throw new Error(`${needed} registrations are needed (one per publish): raise --registrations`);
  }
  const dir = tempDir('xpr-bench-');
  const storeDir = join(dir, 'store');
  const regProgress = new Progress('store: create registrations', registrations);
  const reg = await createRegistrations({
    dir: storeDir,
    total: registrations,
    apiCount: Math.min(2000, registrations),
    keep: needed,
    deadlineMs: o.quick ? 60_000 : 600_000,
    onProgress: (done) => regProgress.update(done),
  });
  regProgress.done(
    `${reg.total.toLocaleString('en-US')} registrations; ${fmt(reg.apiPerS)}/s through openSqliteStore ` +
      `(${reg.apiCount}), ${fmt(reg.bulkPerS)}/s batched (${reg.bulkCount})`,
  );

  // 2. The fake APNs, in its own process.
  const fake = await startFakeApnsChild(key);
  say(`fake APNs at ${fake.url} (pid ${fake.child.pid})`);
  const self = process.pid;
  const drainMs = o.quick ? 15_000 : 30_000;
  const deliveryMs = o.quick ? 30_000 : 90_000;

  // 3. The no-op ceiling: same generator, a component that answers without doing anything.
  const noopGen = await startLoadServer({
    domain: COMPONENT_DOMAIN,
    secret: SECRET,
    serverDomain: 'localhost',
    parser: o.parser,
  });
  const noop = forkChild(
    'no-op component',
    fileURLToPath(new URL('./noop-component.js', import.meta.url)),
    [String(noopGen.port), COMPONENT_DOMAIN, SECRET],
  );
  await noopGen.waitComponent(10_000);
  const noopPids = { generator: self, noop: noop.pid };
  // The no-op answers a publish in tens of µs: fewer than 20,000 would measure its start-up.
  const noopCount = Math.max(o.count, 20_000);
  await runPhase({
    label: 'no-op component: warm-up',
    gen: noopGen,
    targets: noopTargets(5000),
    window: o.window,
    pids: noopPids,
    drainMs,
    deliveryMs,
  });
  const noopFixed = await runPhase({
    label: `no-op component: ${noopCount} publishes`,
    gen: noopGen,
    targets: noopTargets(noopCount),
    window: o.window,
    pids: noopPids,
    memPid: noop.pid,
    drainMs,
    deliveryMs,
  });
  await noop.stop();
  await noopGen.close();

  // 4. Our process, with the registrations stored.
  const gen = await startLoadServer({
    domain: COMPONENT_DOMAIN,
    secret: SECRET,
    serverDomain: 'localhost',
    parser: o.parser,
  });
  const httpPort = await freePort();
  const config = writeOurConfig({
    dir,
    storeDir,
    httpPort,
    componentPort: gen.port,
    secret: SECRET,
    apns: { url: fake.url, ca: fake.ca, key },
    ratePerMinute: RATE_PER_MINUTE,
  });
  const ours = startOurProcess(config, profileDir);
  await Promise.race([
    gen.waitComponent(30_000),
    ours.exited.then(() => {
      throw new Error(`${ours.exitReason()}\n${ours.output()}`);
    }),
  ]);
  await new Promise((r) => setTimeout(r, 1000));
  const startMem = readMemory(ours.pid);
  const startNode = await scrapeMemory(httpPort);
  say(
    `our process (pid ${ours.pid}) online with ${reg.total.toLocaleString('en-US')} registrations: ` +
      `RSS ${fmt(startMem?.rssMb ?? Number.NaN)} MB`,
  );
  const pids = { generator: self, ours: ours.pid, fake: fake.child.pid };
  const common = { gen, fake, pids, memPid: ours.pid, drainMs, deliveryMs };
  const take = targetPicker(reg.credentials);
  await runPhase({
    ...common,
    label: 'ours: warm-up',
    targets: take(warmup),
    window: o.window,
  });
  const fixed = await runPhase({
    ...common,
    label: `ours: ${o.count} publishes`,
    targets: take(o.count),
    window: o.window,
  });
  const ramp: PhaseStats[] = [];
  let idleCores = Number.NaN;
  for (const rate of o.rates) {
    if (rate === CPU_RATE) {
      // What our process uses doing nothing, for reading the CPU per publish.
      const idle = cpuMeter({ ours: ours.pid });
      await new Promise((r) => setTimeout(r, 1000));
      idleCores = idle().ours ?? Number.NaN;
    }
    ramp.push(
      await runPhase({
        ...common,
        label: `ours: ${rate}/s for ${stepS(rate)} s`,
        targets: take(rate * stepS(rate)),
        rate,
      }),
    );
  }
  const endMem = readMemory(ours.pid);
  const endNode = await scrapeMemory(httpPort);
  // Overload: offered open loop for overloadS whatever TCP does (what it holds back stays
  // unsent), then a bounded wait until every answered publish's push has arrived.
  let overload: PhaseStats | undefined;
  if (overloadCount > 0) {
    overload = await runPhase({
      ...common,
      label: `ours: overload ${o.overloadRate}/s for ${o.overloadS} s`,
      targets: take(overloadCount),
      rate: o.overloadRate,
      stopAtPlannedEnd: true,
      deliveryMs: 60_000,
    });
  }
  await ours.stop(profileDir ? 20_000 : 5000);
  await gen.close();
  if (ours.output().trim()) say(`our process said:\n${ours.output().trim().slice(-3000)}`);
  if (profileDir) {
    profileSummaries(profileDir, ours.pid, [fixed, ...ramp, ...(overload ? [overload] : [])]);
  }

  // 5. The Redis store: one process, then two sharing it.
  let redis: RedisResult | undefined;
  if (o.redis) {
    redis = await runRedisMode({
      count: o.count,
      warmup,
      window: o.window,
      parser: o.parser,
      secret: SECRET,
      fake,
      key,
      ratePerMinute: RATE_PER_MINUTE,
      drainMs,
      deliveryMs,
    });
  }

  // 6. Through a real Prosody.
  let prosody: ProsodyResult | undefined;
  let prosodySkipped: string | undefined;
  if (!o.prosody) prosodySkipped = '--no-prosody';
  else if (!prosodyAvailable()) prosodySkipped = 'prosody or prosody-modules not installed';
  else {
    prosody = await runProsodyMode({
      users: o.users,
      messages: o.messages,
      fake,
      key,
      ratePerMinute: RATE_PER_MINUTE,
      burstMessages: o.burst,
      deadlineMs: o.quick ? 60_000 : 300_000,
    });
  }
  if (prosodySkipped) say(`Prosody mode skipped: ${prosodySkipped}`);
  await fake.close();

  // 7. Report.
  const at1000 = ramp.find((s) => s.offered === 1000);
  const atCpu = ramp.find((s) => s.offered === CPU_RATE);
  const all = [noopFixed, fixed, ...ramp];
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
  const cpuMsPerPublish = atCpu
    ? ((atCpu.cpuS.ours ?? Number.NaN) * 1000) / (atCpu.results + atCpu.errors)
    : null;
  const burst = prosody?.burst;
  const rssBasis =
    reg.total >= 1_000_000
      ? `measured with ${reg.total} registrations stored`
      : `measured with ${reg.total} registrations stored (not 1,000,000; not extrapolated)`;
  const result = {
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
  return 0;
}

/** Writes a self-time summary of our process' CPU profile for each phase window. */
function profileSummaries(dir: string, pid: number, phases: PhaseStats[]): void {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
  if (!file) {
    say(`no CPU profile of pid ${pid} in ${dir}`);
    return;
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const parts = phases.map(
    (p) => `==== ${p.label} ====\n${summarize(profile, 30, p.window.fromMs, p.window.toMs)}`,
  );
  const out = join(dir, `${file.replace(/\.cpuprofile$/, '')}.summary.txt`);
  writeFileSync(out, `${parts.join('\n\n')}\n`);
  say(`${parts[0]?.split('\n').slice(0, 22).join('\n')}\n(all phases: ${out})`);
}

let interrupted = false;
const onSignal = (signal: string) => {
  if (interrupted) return;
  interrupted = true;
  say(`${signal}: stopping and cleaning up…`);
  void cleanupAll().finally(() => process.exit(130));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGHUP', () => onSignal('SIGHUP'));

main()
  .catch((err) => {
    // After Ctrl-C the children stop too, and what was running fails: that is expected.
    if (!interrupted) say(`bench failed: ${(err as Error).stack ?? err}`);
    return interrupted ? 130 : 1;
  })
  .then(async (code) => {
    if (interrupted) return; // the signal handler cleans up and exits
    const problems = await cleanupAll();
    for (const p of problems) say(`cleanup: ${p}`);
    process.exit(code);
  });
