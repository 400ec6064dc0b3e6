// The Redis store: the fixed count against one process, then against two processes sharing one
// Redis, both connected as the same component (XEP-0114 allows several connections for one
// domain); the generator spreads the publishes over both connections alternately.
import { join } from 'node:path';
import type { ApnsTestKey } from '../harness/fakes/apns-server.js';
import { freePort } from '../harness/servers/ports.js';
import { startRedis } from '../harness/servers/redis.js';
import { childPidByName, onCleanup, tempDir } from './children.js';
import type { FakeApnsChild } from './fake-apns.js';
import { type ParserKind, startLoadServer } from './generator.js';
import { COMPONENT_DOMAIN, startOurProcess, writeOurConfig } from './our-process.js';
import { type PhaseStats, runPhase, targetPicker } from './phase.js';
import { createRedisRegistrations } from './registrations.js';
import { fmt, Progress, say } from './report.js';

/** Device tokens of the Redis registrations start here (SQLite's start at 0, Prosody's higher). */
const TOKEN_BASE = 0x2000_0000;

export interface RedisResult {
  registrations: number;
  registrationsPerS: number;
  one: PhaseStats;
  two: PhaseStats;
  /** two.answeredPerS ÷ one.answeredPerS. */
  scaleoutRatio: number;
}

export async function runRedisMode(o: {
  count: number;
  warmup: number;
  window: number;
  parser: ParserKind;
  secret: string;
  fake: FakeApnsChild;
  key: ApnsTestKey;
  ratePerMinute: number;
  drainMs: number;
  deliveryMs: number;
}): Promise<RedisResult> {
  const redis = await startRedis();
  onCleanup('stop redis-server', () => redis.stop());
  const redisPid = childPidByName('redis-server');
  // One registration per publish: warm-up and fixed count for each measurement, and the second
  // process's own warm-up (below).
  const secondWarmup = 2 * o.count;
  const total = 2 * (o.warmup + o.count) + secondWarmup;
  const progress = new Progress('Redis: create registrations', total);
  const reg = await createRedisRegistrations({
    url: redis.url,
    first: TOKEN_BASE,
    total,
    deadlineMs: 300_000,
    onProgress: (done) => progress.update(done),
  });
  progress.done(`${total.toLocaleString('en-US')} registrations, ${fmt(reg.perS)}/s`);
  const take = targetPicker(reg.credentials, TOKEN_BASE);

  const gen = await startLoadServer({
    domain: COMPONENT_DOMAIN,
    secret: o.secret,
    serverDomain: 'localhost',
    parser: o.parser,
    maxComponents: 2,
  });
  onCleanup('close the Redis-mode generator', () => gen.close());
  const dir = tempDir('xpr-bench-redis-');
  const start = async (name: string) => {
    const config = writeOurConfig({
      dir,
      name: `${name}.toml`,
      storeDir: join(dir, `${name}-store`),
      storeUrl: redis.url,
      httpPort: await freePort(),
      componentPort: gen.port,
      secret: o.secret,
      apns: { url: o.fake.url, ca: o.fake.ca, key: o.key },
      ratePerMinute: o.ratePerMinute,
    });
    return startOurProcess(config);
  };
  const online = async (count: number, p: Awaited<ReturnType<typeof start>>) => {
    await Promise.race([
      gen.waitComponent(30_000, count),
      p.exited.then(() => {
        throw new Error(`${p.exitReason()}\n${p.output()}`);
      }),
    ]);
    await new Promise((r) => setTimeout(r, 1000));
  };
  const common = {
    gen,
    fake: o.fake,
    window: o.window,
    drainMs: o.drainMs,
    deliveryMs: o.deliveryMs,
  };
  const pids: Record<string, number> = { generator: process.pid, fake: o.fake.child.pid };
  if (redisPid) pids.redis = redisPid;

  const a = await start('a');
  /** A warm-up, then the fixed count, measured (memory of the first process). */
  const measure = async (label: string) => {
    await runPhase({ ...common, pids, label: `${label}: warm-up`, targets: take(o.warmup) });
    return runPhase({
      ...common,
      pids,
      memPid: a.pid,
      label: `${label}: ${o.count} publishes`,
      targets: take(o.count),
    });
  };
  await online(1, a);
  pids.ours = a.pid;
  const one = await measure('Redis, 1 process');

  const b = await start('b');
  await online(2, b);
  pids.ours2 = b.pid;
  // The first process has served the one-process measurement; the second starts cold. Before they
  // are compared, the second gets about as many publishes of its own (the generator alternates
  // connections), so that both run optimised code, not one of them the interpreter.
  await runPhase({
    ...common,
    pids,
    label: 'Redis, 2 processes: warm-up of the second',
    targets: take(secondWarmup),
  });
  const two = await measure('Redis, 2 processes');
  await Promise.all([a.stop(), b.stop()]);
  await gen.close();
  for (const p of [a, b]) {
    if (p.output().trim()) say(`our process on Redis said:\n${p.output().trim().slice(-2000)}`);
  }
  await redis.stop();
  return {
    registrations: total,
    registrationsPerS: reg.perS,
    one,
    two,
    scaleoutRatio: two.answeredPerS / one.answeredPerS,
  };
}
