// Our process with the registrations stored, loaded directly by the generator: warm-up, fixed
// count, the ramp and the overload; and the summaries of its CPU profile (--profile).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../harness/servers/ports.js';
import { type Child, cpuMeter, type ProcMemory, readMemory } from './children.js';
import { type LoadServer, startLoadServer } from './generator.js';
import { CPU_RATE, stepSeconds } from './options.js';
import {
  COMPONENT_DOMAIN,
  type ProcessMetrics,
  scrapeMemory,
  startOurProcess,
  writeOurConfig,
} from './our-process.js';
import { type PhaseStats, runPhase, targetPicker } from './phase.js';
import { type Profile, summarize } from './profile-summary.js';
import { fmt, say } from './report.js';
import { type Bench, RATE_PER_MINUTE, SECRET } from './setup.js';

export interface DirectLoad {
  fixed: PhaseStats;
  ramp: PhaseStats[];
  /** Cores our process used doing nothing in the second before the CPU_RATE step (else NaN). */
  idleCores: number;
  overload?: PhaseStats;
  /** Memory 1 s after our process came online, and after the ramp. */
  startMem?: ProcMemory;
  startNode?: ProcessMetrics;
  endMem?: ProcMemory;
  endNode?: ProcessMetrics;
}

export async function runDirectLoad(bench: Bench): Promise<DirectLoad> {
  const o = bench.options;
  const { reg, fake, profileDir, drainMs, deliveryMs } = bench;
  const { gen, ours, httpPort } = await startOurs(bench);
  const startMem = readMemory(ours.pid);
  const startNode = await scrapeMemory(httpPort);
  say(
    `our process (pid ${ours.pid}) online with ${reg.total.toLocaleString('en-US')} registrations: ` +
      `RSS ${fmt(startMem?.rssMb ?? Number.NaN)} MB`,
  );
  const pids = { generator: process.pid, ours: ours.pid, fake: fake.child.pid };
  const common = { gen, fake, pids, memPid: ours.pid, drainMs, deliveryMs };
  const take = targetPicker(reg.credentials);
  await runPhase({
    ...common,
    label: 'ours: warm-up',
    targets: take(bench.warmup),
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
        label: `ours: ${rate}/s for ${stepSeconds(o, rate)} s`,
        targets: take(rate * stepSeconds(o, rate)),
        rate,
      }),
    );
  }
  const endMem = readMemory(ours.pid);
  const endNode = await scrapeMemory(httpPort);
  // Overload: offered open loop for overloadS whatever TCP does (what it holds back stays
  // unsent), then a bounded wait until every answered publish's push has arrived.
  const overloadCount = o.overloadRate * o.overloadS;
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
  return { fixed, ramp, idleCores, overload, startMem, startNode, endMem, endNode };
}

/** Starts the generator and our process on it; resolves 1 s after our process is online. */
async function startOurs(
  bench: Bench,
): Promise<{ gen: LoadServer; ours: Child; httpPort: number }> {
  const o = bench.options;
  const { dir, storeDir, fake, key, profileDir } = bench;
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
  return { gen, ours, httpPort };
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
