// Fault run (./README.md has its history), ejabberd restarted (./ejabberd-world.ts is its world): ejabberd
// accepts the sender before our component is back (our reconnect delay is up to
// `reconnect_max_ms`), routes those messages' publishes to no one, answers them itself
// `forbidden` ("Access denied by service policy") and disables those users' push for good (the
// client must enable it again). That is ejabberd's, not ours: the run counts those users (from
// ejabberd's log), checks that every disabling was that error of ejabberd's own, and claims that
// every message ejabberd acknowledged to any other user is pushed on time. The remedy, two
// processes connected as one component, is ./ejabberd-two-processes.test.ts.
import { afterEach, expect, it } from '@jest/globals';
import type { Ejabberd } from '../../harness/servers/ejabberd.js';
import {
  disabledByEjabberd,
  EJABBERD_OWN_REFUSAL,
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
  'ejabberd restarts: users it disabled itself are counted; every other acknowledged message is pushed on time',
  async () => {
    let e0: Ejabberd | undefined;
    const { e, w, source, load } = await startEjabberdWorld(parts, {
      skip: () => new Set(e0 ? disabledByEjabberd(e0).keys() : []),
    });
    e0 = e;
    await w.start();
    await warmUp(load);
    const run = await runFault(
      w,
      oneAct(() => e.restart()),
      source,
    );
    const disabled = disabledByEjabberd(e);
    console.log(
      `${describeRun('ejabberd restart', run)}; sender: ${JSON.stringify(load.stats)}; users whose push ejabberd disabled itself before our component was back: ${disabled.size}`,
    );
    expectKept(run);
    expect([...new Set(disabled.values())].filter((r) => r !== EJABBERD_OWN_REFUSAL)).toEqual([]);
  },
  180_000 + MEASURE_MS,
);
