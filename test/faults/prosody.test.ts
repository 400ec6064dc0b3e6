// Fault suite, the user's server: a real Prosody 0.12 (mod_cloud_notify, Prosody's own
// push_max_errors of 16) restarted while a sender sends RATE_PER_S messages to 1,000 offline
// users with push enabled. Prosody turns each message into a publish; a module of the test's own
// (harness/faults/prosody-watch.ts) logs every publish and its answer as Prosody received it, so
// "answered result" is Prosody's own view. The fault ends when Prosody accepts connections again;
// our process connects again on its own ([component] reconnect_* defaults).
// Targets and what is measured how: ./targets.ts and ./kit.ts.
import { afterEach, it } from '@jest/globals';
import { messageLoad } from '../../harness/faults/message-load.js';
import { readWatch, WATCH_MODULE, writeWatchUsers } from '../../harness/faults/prosody-watch.js';
import { type Prosody, startProsody } from '../../harness/servers/prosody.js';
import { connectClient } from '../../harness/servers/xmpp-client.js';
import { stopAndClear } from '../../harness/stop.js';
import { describeRun, expectKept, oneAct, runFault } from './kit.js';
import { MEASURE_MS } from './targets.js';
import { type FaultWorld, startFaultWorld } from './world.js';

const PASSWORD = 'fault-pass';
const started: { world?: FaultWorld; prosody?: Prosody } = {};
afterEach(() => stopAndClear(started));

it(
  'Prosody restarts: every publish it got a result for is pushed on time',
  async () => {
    const p = await startProsody({
      componentSecret: 'fault-suite-secret',
      pushMaxErrors: 16,
      logLevel: 'warn',
      modules: { fault_watch: WATCH_MODULE },
    });
    started.prosody = p;
    const w = await startFaultWorld({ server: p });
    started.world = w;
    writeWatchUsers(p, PASSWORD, w.targets);
    await p.register('sender', PASSWORD);
    await p.restart(); // creates the users and their push registrations
    await w.start();
    const load = messageLoad(() =>
      connectClient({ port: p.c2sPort, username: 'sender', password: PASSWORD, presence: false }),
    );
    const run = await runFault(
      w,
      oneAct(() => p.restart()),
      {
        run: (o) => load.run(o),
        mute: (q) => load.mute(q),
        // Prosody may be behind the sender: wait until it has published everything it got.
        settle: async (ms) => {
          const end = Date.now() + Math.max(ms, 30_000);
          for (let n = -1; Date.now() < end; ) {
            await new Promise((r) => setTimeout(r, 3000));
            const now = readWatch(p).length;
            if (now === n) return;
            n = now;
          }
        },
        records: () => readWatch(p),
      },
    );
    await load.stop();
    console.log(`${describeRun('Prosody restart', run)}; sender: ${JSON.stringify(load.stats)}`);
    expectKept(run);
  },
  150_000 + MEASURE_MS,
);
