// Fault run (./README.md has its history): two of our processes on one Redis, both connected to a real
// ejabberd (mod_push) as the same component, one killed -9 (docs/ejabberd.md: ejabberd disables
// a user's push on the first non-`wait` error, and answers `forbidden` for a component that is
// not connected; two processes are the remedy). The publishes ejabberd had routed to the killed
// process and that it had not answered are lost (ejabberd does not send a publish again); every
// one it answered `result` is queued in Redis and must be pushed by the other. ejabberd's
// answers are read on the component links themselves (harness/faults/component-tap.ts), so the
// claim is the one of every fault run: every publish answered `result` is pushed on time.
// Targets and what is measured how: ./targets.ts and ./kit.ts; measurements: ./README.md.
import { afterEach, expect, it } from '@jest/globals';
import { startRedis } from '../../harness/servers/redis.js';
import {
  disabledByEjabberd,
  type EjabberdParts,
  startEjabberdWorld,
  stopEjabberdWorld,
  warmUp,
} from './ejabberd-world.js';
import { describeRun, expectKept, oneAct, runFault } from './kit.js';
import { MEASURE_MS } from './targets.js';

const parts: EjabberdParts = {};
afterEach(() => stopEjabberdWorld(parts));

it(
  'two processes on ejabberd, one killed: every publish answered result is pushed on time',
  async () => {
    const redis = await startRedis({ aof: true });
    parts.redis = redis;
    const { e, w, source, load } = await startEjabberdWorld(parts, {
      storeUrl: redis.url,
      tapped: true,
    });
    await w.start();
    await w.start();
    await warmUp(load);
    const run = await runFault(
      w,
      oneAct(async () => w.ours[0]?.kill9()),
      source,
    );
    console.log(
      `${describeRun('ejabberd, two processes, one killed', run)}; sender: ${JSON.stringify(load.stats)}`,
    );
    expectKept(run, { killed: 1 });
    expect(run.verdict.results).toBeGreaterThan(0);
    // ejabberd went on publishing after the kill, to the process left: nearly every message the
    // sender sent made a publish (a run where ejabberd stopped routing them would pass otherwise).
    expect(run.verdict.publishes).toBeGreaterThanOrEqual(load.stats.sent * 0.95);
    expect([...disabledByEjabberd(e).values()]).toEqual([]);
  },
  180_000 + MEASURE_MS,
);
