// The fault suite's world: the fake APNs and FCM (with their fault switches), the user's server
// played by harness/faults/publisher.ts, 1,000 registrations made through the registration code,
// and our process as an operator runs it (`node bin/xmpp-push-relay.js start`, a real child
// process that a test can kill -9). runFault() drives one run: steady load, the fault in the
// middle, then the verdict (harness/faults/verdict.ts) checked against ./targets.ts.
//
// What is measured how: publishes and their answers at the user's server's end of the XEP-0114
// link (what Prosody or ejabberd would see; nothing is read from our process): the publisher's
// own records, or with a real server what it logged (prosody.test.ts) or what was sent to it
// (ejabberd.test.ts); pushes at the fake providers with their arrival times. A push names its
// publish by `message-count`, or through a real server (which sends its own count) by the
// message body `m<seq>`, forwarded with `[push] include_body`.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRegistrar } from '../../component/registrar.js';
import { type FakeApns, startFakeApns, testApnsKey } from '../../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../../harness/fakes/fcm-server.js';
import {
  type Publisher,
  type PublishRecord,
  startPublisher,
  type Target,
} from '../../harness/faults/publisher.js';
import { timeline } from '../../harness/faults/timeline.js';
import { judge, type Push, type Verdict } from '../../harness/faults/verdict.js';
import { freePort } from '../../harness/servers/ports.js';
import { tcpConnectionsOf, type XmppServer } from '../../harness/servers/proc.js';
import { stopInOrder } from '../../harness/stop.js';
import { createLogger } from '../../lib/log.js';
import { createRelay } from '../../relay/relay.js';
import { testApps } from '../../relay/test-kit.js';
import { openStore } from '../../store/open.js';
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

/**
 * For finding where the time goes in a run: FAULTS_TIMELINE=1 prints it second by second
 * (harness/faults/timeline.ts), FAULTS_LOG_LEVEL=info keeps more of our processes' log (with
 * KEEP=1, in out.log of the run's folder), and FAULTS_NODE_FLAGS passes flags to their `node`
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
const LOG_LEVEL = process.env.FAULTS_LOG_LEVEL ?? 'warn';
const NODE_FLAGS = (process.env.FAULTS_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const BIN = new URL('../../bin/xmpp-push-relay.js', import.meta.url).pathname;
const UNIT = new URL('../../docs/systemd/xmpp-push-relay.service', import.meta.url).pathname;
const SECRET = 'fault-suite-secret';
const DOMAIN = 'push.localhost';
const TOPIC = 'org.example.faults';

export const providerOf = (target: number) => (target % 2 === 0 ? 'apns' : 'fcm');
/**
 * Half the registrations (of each provider) get no publish once the fault starts, like users
 * whose messages stopped: their last pushes can come only from what was queued before, never
 * from a newer publish that carries a higher count.
 */
export const quietFromFault = (target: number) => target % 4 >= 2;
const apnsToken = (i: number) => i.toString(16).padStart(64, '0');
const fcmToken = (i: number) => `fcm:${String(i).padStart(20, '0')}`;

export interface OurProcess {
  pid: number;
  /** SIGKILL, and resolves once it is gone; its connections go to FaultWorld.killed first. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultWorld {
  apns: FakeApns;
  fcm: FakeFcm;
  publisher: Publisher;
  targets: Target[];
  dir: string;
  /** Starts one more of our processes; resolves once it is connected (its time of connection). */
  start(): Promise<number>;
  /** Our processes started so far, in order. */
  ours: OurProcess[];
  /** Every push the fakes delivered. */
  pushes(): Push[];
  /** The connections (Push.conn) of our processes killed so far, as they were at the kill. */
  killed: Set<string>;
  /** Our processes' log lines (level warn and above), for the report. */
  logs(): string;
  stop(): Promise<void>;
}

async function register(storePath: string, storeUrl: string | undefined): Promise<Target[]> {
  const store = await openStore({ path: storePath, url: storeUrl });
  try {
    const log = createLogger('silent');
    const relay = createRelay({
      store,
      apps: testApps(),
      tokenTtlMs: 86_400_000,
      ratePerMinute: 120,
      limits: { perTokenPerMinute: 60, perAccountPerMinute: 300, missesPerMinute: 30 },
      remotes: [],
      onEnqueued: () => undefined,
      log,
    });
    const registrar = createRegistrar({ store, ...relay, log });
    const targets: Target[] = new Array(REGISTRATIONS);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < REGISTRATIONS; i = next++) {
          const provider = providerOf(i);
          const c = await registrar.register({
            jid: `u${i}@localhost`,
            deviceId: `d${i}`,
            provider,
            deviceToken: provider === 'apns' ? apnsToken(i) : fcmToken(i),
          });
          if ('refused' in c) throw new Error(`registration ${i} refused: ${c.refused}`);
          if ('over' in c) throw new Error(`registration ${i} over the ${c.over} quota`);
          targets[i] = { node: c.node, secret: c.secret ?? '' };
        }
      }),
    );
    return targets;
  } finally {
    await store.close();
  }
}

function writeConfig(
  dir: string,
  o: {
    apns: FakeApns;
    fcm: FakeFcm;
    port: number;
    storeUrl?: string;
    httpPort: number;
    includeBody: boolean;
  },
) {
  const key = testApnsKey();
  writeFileSync(join(dir, 'AuthKey.p8'), key.key);
  writeFileSync(join(dir, 'apns-ca.pem'), o.apns.ca);
  writeFileSync(join(dir, 'fcm-ca.pem'), o.fcm.ca);
  writeFileSync(join(dir, 'service-account.json'), JSON.stringify(o.fcm.serviceAccount));
  const path = join(dir, `config-${o.httpPort}.toml`);
  // Production defaults everywhere (retries, reconnects, rates), except where the fakes are.
  writeFileSync(
    path,
    `[component]
jid = "${DOMAIN}"
secret = "${SECRET}"
server = "127.0.0.1:${o.port}"

[store]
path = "store"
${o.storeUrl ? `url = "${o.storeUrl}"` : ''}

[http]
listen = "127.0.0.1:${o.httpPort}"

[push]
include_body = ${o.includeBody}

[apns]
key_file = "AuthKey.p8"
key_id = "${key.keyId}"
team_id = "${key.teamId}"
topic = "${TOPIC}"
environment = "sandbox"
endpoint = "${o.apns.url}"
ca_file = "apns-ca.pem"

[fcm]
service_account_file = "service-account.json"
endpoint = "${o.fcm.url}"
ca_file = "fcm-ca.pem"

[log]
level = "${LOG_LEVEL}"
`,
  );
  return path;
}

/** The `node` flags of the unit an operator installs (the heap bound). */
function unitFlags(): string[] {
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(readFileSync(UNIT, 'utf8'));
  return (exec?.[1] ?? '').split(/\s+/).filter(Boolean);
}

/** The unit's RestartSec, in ms: how long systemd waits before starting a crashed process. */
export function unitRestartMs(): number {
  const sec = /^RestartSec=(\d+)s?$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (sec === undefined) throw new Error(`${UNIT}: no RestartSec`);
  return Number(sec) * 1000;
}

export async function startFaultWorld(
  o: {
    storeUrl?: string;
    /** A real XMPP server our process connects to, instead of the publisher. */
    server?: XmppServer;
  } = {},
): Promise<FaultWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-faults-'));
  const [apns, fcm, publisher] = await Promise.all([
    startFakeApns(),
    startFakeFcm(),
    startPublisher({ domain: DOMAIN, secret: SECRET, serverDomain: 'localhost' }),
  ]);
  const targets = await register(join(dir, 'store'), o.storeUrl);
  const ours: OurProcess[] = [];
  const logFile = join(dir, 'out.log');
  const world: FaultWorld = {
    apns,
    fcm,
    publisher,
    targets,
    dir,
    ours,
    killed: new Set(),
    async start() {
      const httpPort = await freePort();
      const config = writeConfig(dir, {
        apns,
        fcm,
        port: o.server?.componentPort ?? publisher.port,
        storeUrl: o.storeUrl,
        httpPort,
        includeBody: o.server !== undefined,
      });
      const out = openSync(logFile, 'a');
      const before = publisher.links.length;
      const child = spawn(
        process.execPath,
        [...unitFlags(), ...NODE_FLAGS, BIN, 'start', '--config', config],
        {
          cwd: dir,
          stdio: ['ignore', out, out],
        },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const gone = async (signal: NodeJS.Signals) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(signal);
        const late = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(late);
      };
      ours.push({
        pid: child.pid ?? -1,
        kill9: async () => {
          if (child.pid !== undefined && child.exitCode === null) {
            for (const c of tcpConnectionsOf(child.pid)) world.killed.add(c);
          }
          await gone('SIGKILL');
        },
        stop: () => gone('SIGTERM'),
      });
      const deadline = Date.now() + 20_000;
      for (;;) {
        const link = publisher.links.slice(before).find((l) => l.closedAt === undefined);
        if (link) return link.onlineAt;
        if (o.server && (await xmppUp(httpPort))) return Date.now();
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`our process did not connect:\n${world.logs()}`);
        }
        await sleep(10);
      }
    },
    pushes() {
      const out: Push[] = [];
      // Through Prosody every message-count is 1: the body (`m<seq>`) names the message.
      const count = (body: unknown, messageCount: unknown) =>
        Number(/^m(\d+)$/.exec(String(body))?.[1] ?? messageCount);
      for (const d of apns.faults.deliveries) {
        const p = d.payload as { aps?: { alert?: { body?: string } }; 'message-count'?: number };
        const target = Number.parseInt(d.deviceToken, 16);
        const conn = `${d.conn}>${apns.port}`;
        out.push({ target, count: count(p.aps?.alert?.body, p['message-count']), at: d.at, conn });
      }
      for (const d of fcm.faults.deliveries) {
        const data = (d.payload as { data?: Record<string, string> }).data ?? {};
        const target = Number(d.deviceToken.slice('fcm:'.length));
        const conn = `${d.conn}>${fcm.port}`;
        out.push({ target, count: count(data.body, data['message-count']), at: d.at, conn });
      }
      return out;
    },
    logs() {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      } catch {
        return '';
      }
    },
    async stop() {
      try {
        await stopInOrder({
          ...Object.fromEntries(ours.map((p, i) => [`our process ${i + 1} (pid ${p.pid})`, p])),
          publisher,
          'fake APNs': apns,
          'fake FCM': fcm,
        });
      } finally {
        if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return world;
}

/** Whether our process's /healthz says its XMPP link is up. */
async function xmppUp(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    return ((await res.json()) as { xmpp?: string }).xmpp === 'up';
  } catch {
    return false;
  }
}

export interface FaultRun {
  verdict: Verdict;
  faultStart: number;
  faultEnd: number;
  /** The run second by second (harness/faults/timeline.ts), for a failure's message. */
  timeline?: string;
  /** How late this process's event loop was (p99 and max, ms): the fakes and the load live here. */
  lag?: { p99: number; max: number };
}

/**
 * Steady load for BEFORE_MS + FAULT_MS + AFTER_MS; `begin()` at BEFORE_MS; `end()` FAULT_MS later
 * returns when the fault ended (e.g. when a restarted process was connected again). Then waits
 * for late pushes as long as the targets allow (or MEASURE_MS) and judges.
 */
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
