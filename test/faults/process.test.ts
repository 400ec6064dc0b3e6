// Fault suite, our process: kill -9 while RATE_PER_S publishes come in, then started
// again after the systemd unit's RestartSec (SQLite store); and two processes on one Redis, one killed for
// good (the user's server spreads publishes over both links, as ejabberd does). The fault ends
// when the restarted process is connected again, or at the kill when the other process lives on.
// Publishes due while no process is connected are not sent (the user's server answers them
// itself); those in flight on the killed link are never answered: neither counts as `result`.
// The sends the killed process had in flight go out again (./targets.ts: SENDS_HELD_PER_PROCESS).
// Targets and what is measured how: ./targets.ts and ./kit.ts.
import { afterEach, it } from '@jest/globals';
import { type RedisServer, startRedis } from '../../harness/servers/redis.js';
import { stopAndClear } from '../../harness/stop.js';
import { describeRun, expectKept, oneAct, runFault } from './kit.js';
import { MEASURE_MS } from './targets.js';
import { type FaultWorld, startFaultWorld, unitRestartMs } from './world.js';

const started: { world?: FaultWorld; redis?: RedisServer } = {};
afterEach(() => stopAndClear(started));

it(
  'kill -9 our process, systemd starts it again: every answered publish pushed on time',
  async () => {
    const w = await startFaultWorld();
    started.world = w;
    await w.start();
    const run = await runFault(w, {
      begin: () => w.ours[0]?.kill9(),
      durationMs: unitRestartMs(),
      end: () => w.start(),
    });
    console.log(describeRun('kill -9, restart', run));
    expectKept(run, { killed: 1 });
  },
  120_000 + MEASURE_MS,
);

it(
  'two processes on one Redis, one killed: every answered publish pushed on time',
  async () => {
    const redis = await startRedis({ aof: true });
    started.redis = redis;
    const w = await startFaultWorld({ storeUrl: redis.url });
    started.world = w;
    await w.start();
    await w.start();
    const run = await runFault(
      w,
      oneAct(async () => w.ours[0]?.kill9()),
    );
    console.log(describeRun('two processes, one killed', run));
    expectKept(run, { killed: 1 });
  },
  120_000 + MEASURE_MS,
);
