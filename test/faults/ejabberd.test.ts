// Fault suite, ejabberd: two of our processes on one Redis, both connected to a real ejabberd as
// the same component (docs/ejabberd.md: ejabberd disables a user's push on the first non-`wait`
// error, and answers `forbidden` for a component that is not connected), one killed -9 while a
// sender sends RATE_PER_S messages to 1,000 offline users with push enabled. ejabberd stays up,
// so every message it got becomes a publish; ejabberd's answers are not observable from outside,
// so the claim checked is the stronger one: every message sent is pushed on time (a publish that
// failed, or a user whose push ejabberd switched off, shows as a missing push). The fault ends
// at the kill. Targets and what is measured how: ./targets.ts and ./kit.ts.
import { afterEach, expect, it } from '@jest/globals';
import { messageLoad } from '../../harness/faults/message-load.js';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { type AofRedis, startAofRedis } from '../../harness/faults/redis-aof.js';
import { type Ejabberd, startEjabberd } from '../../harness/servers/ejabberd.js';
import { connectClient } from '../../harness/servers/xmpp-client.js';
import { broken, describeRun, type FaultWorld, runFault, startFaultWorld } from './kit.js';
import { MEASURE_MS, REGISTRATIONS } from './targets.js';

const PASSWORD = 'fault-pass';
let world: FaultWorld | undefined;
let ejabberd: Ejabberd | undefined;
let redis: AofRedis | undefined;
afterEach(async () => {
  await world?.stop();
  await Promise.all([ejabberd?.stop(), redis?.stop()]);
});

it(
  'two processes on ejabberd, one killed: every message is pushed on time',
  async () => {
    [ejabberd, redis] = await Promise.all([
      startEjabberd({ componentSecret: 'fault-suite-secret', logLevel: 'warning' }),
      startAofRedis(),
    ]);
    const e = ejabberd;
    const w = await startFaultWorld({ storeUrl: redis.url, server: e });
    world = w;
    const users = Array.from({ length: REGISTRATIONS }, (_, i) => [`u${i}`, PASSWORD] as const);
    await e.registerMany([...users, ['sender', PASSWORD]]);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < REGISTRATIONS; i = next++) {
          const c = await connectClient({ port: e.c2sPort, username: `u${i}`, password: PASSWORD });
          const t = w.targets[i] as { node: string; secret: string };
          await c.enablePush({ jid: e.componentDomain, ...t });
          await c.stop();
        }
      }),
    );
    await w.start();
    await w.start();
    const load = messageLoad(() =>
      connectClient({ port: e.c2sPort, username: 'sender', password: PASSWORD, presence: false }),
    );
    let killedAt = 0;
    const run = await runFault(
      w,
      {
        begin: async () => {
          await w.ours[0]?.kill9();
          killedAt = Date.now();
        },
        durationMs: 0,
        end: () => killedAt,
      },
      {
        run: (o) => load.run(o),
        mute: (q) => load.mute(q),
        settle: () => new Promise((r) => setTimeout(r, 1000)),
        records: () =>
          load.sent.map(
            (m): PublishRecord => ({
              target: m.target,
              seq: m.seq,
              dueAt: m.at,
              sentAt: m.at,
              answeredAt: Number.NaN,
              type: 'result',
            }),
          ),
      },
    );
    await load.stop();
    console.log(`${describeRun('ejabberd, two processes, one killed', run)}`);
    expect(broken(run)).toEqual([]);
  },
  180_000 + MEASURE_MS,
);
