// Fault suite, Redis: our process on a Redis with AOF on (docs/operations.md), Redis killed -9
// while RATE_PER_S publishes come in and started again FAULT_MS later on its AOF. The fault ends
// when Redis answers again. Meanwhile publishes may be answered `wait` (never another type) or
// held and answered later; every one answered `result`, before or after, must be pushed.
// Targets and what is measured how: ./targets.ts and ./kit.ts.
import { afterEach, it } from '@jest/globals';
import { type RedisServer, startRedis } from '../../harness/servers/redis.js';
import { stopAndClear } from '../../harness/stop.js';
import { describeRun, expectKept, runFault } from './kit.js';
import { MEASURE_MS } from './targets.js';
import { type FaultWorld, startFaultWorld } from './world.js';

const started: { world?: FaultWorld; redis?: RedisServer } = {};
afterEach(() => stopAndClear(started));

it(
  'kill -9 Redis (AOF on), start it again: every answered publish pushed on time',
  async () => {
    const r = await startRedis({ aof: true });
    started.redis = r;
    const world = await startFaultWorld({ storeUrl: r.url });
    started.world = world;
    await world.start();
    const run = await runFault(world, {
      begin: () => r.kill9(),
      end: async () => {
        await r.restart();
        return Date.now();
      },
    });
    console.log(describeRun('kill -9 Redis', run));
    expectKept(run);
  },
  120_000 + MEASURE_MS,
);
