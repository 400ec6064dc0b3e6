// What the runs of one bench share, and its set-up: the stored registrations and the fake APNs.
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type ApnsTestKey, testApnsKey } from '../harness/fakes/apns-server.js';
import { tempDir } from './children.js';
import { type FakeApnsChild, startFakeApnsChild } from './fake-apns.js';
import { type Options, ROOT, stepSeconds } from './options.js';
import { createRegistrations, type RegistrationReport } from './registrations.js';
import { fmt, Progress, say } from './report.js';

export const SECRET = 'bench-secret';
/** `[push] rate_per_minute` for the bench: 60000/6e6 rounds up to 1 ms between pushes per device. */
export const RATE_PER_MINUTE = 6_000_000;

export interface Machine {
  cpus: number;
  cpu_model: string;
  node: string;
}

export interface Bench {
  options: Options;
  /** Date.now() when the bench started. */
  started: number;
  machine: Machine;
  key: ApnsTestKey;
  /** Where our process writes its CPU profiles (--profile), else undefined. */
  profileDir?: string;
  /** Publishes of each warm-up. */
  warmup: number;
  /** The bench's temporary folder, and the SQLite store in it. */
  dir: string;
  storeDir: string;
  reg: RegistrationReport;
  fake: FakeApnsChild;
  drainMs: number;
  deliveryMs: number;
}

/** Says what runs where, stores the registrations and starts the fake APNs. */
export async function setUp(o: Options): Promise<Bench> {
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
  const overloadCount = o.overloadRate * o.overloadS;
  const needed =
    warmup + o.count + o.rates.reduce((s, r) => s + r * stepSeconds(o, r), 0) + overloadCount;
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
  return {
    options: o,
    started,
    machine,
    key,
    profileDir,
    warmup,
    dir,
    storeDir,
    reg,
    fake,
    drainMs: o.quick ? 15_000 : 30_000,
    deliveryMs: o.quick ? 30_000 : 90_000,
  };
}
