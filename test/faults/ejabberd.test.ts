// Fault suite, ejabberd: a real ejabberd (mod_push) restarted; and two of our processes on one
// Redis, both connected to it as the same component (docs/ejabberd.md: ejabberd disables a
// user's push on the first non-`wait` error, and answers `forbidden` for a component that is not
// connected), one killed -9. A sender sends RATE_PER_S messages to 1,000 offline users with push
// enabled, with stream management (XEP-0198). ejabberd's answers to the publishes cannot be seen
// from outside, so the claim checked is the stronger one: every message ejabberd acknowledged is
// pushed on time (a publish that failed, or a user whose push ejabberd switched off, shows as a
// missing push). Targets and what is measured how: ./targets.ts and ./kit.ts.
import { afterEach, expect, it } from '@jest/globals';
import { type MessageLoad, messageLoad } from '../../harness/faults/message-load.js';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { type AofRedis, startAofRedis } from '../../harness/faults/redis-aof.js';
import { type Ejabberd, startEjabberd } from '../../harness/servers/ejabberd.js';
import { connectClient } from '../../harness/servers/xmpp-client.js';
import {
  broken,
  describeRun,
  type FaultWorld,
  type Load,
  runFault,
  startFaultWorld,
} from './kit.js';
import { MEASURE_MS, REGISTRATIONS } from './targets.js';

const PASSWORD = 'fault-pass';
let world: FaultWorld | undefined;
let ejabberd: Ejabberd | undefined;
let redis: AofRedis | undefined;
let load: MessageLoad | undefined;
afterEach(async () => {
  await load?.stop();
  await world?.stop();
  await Promise.all([ejabberd?.stop(), redis?.stop()]);
  load = undefined;
  world = undefined;
  ejabberd = undefined;
  redis = undefined;
});

/** ejabberd with the users registered and push enabled, our world, and the sender's load. */
async function setUp(o: {
  storeUrl?: string;
}): Promise<{ e: Ejabberd; w: FaultWorld; source: Load }> {
  const e = await startEjabberd({ componentSecret: 'fault-suite-secret', logLevel: 'warning' });
  ejabberd = e;
  const w = await startFaultWorld({ storeUrl: o.storeUrl, server: e });
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
  const l = messageLoad(() =>
    connectClient({
      port: e.c2sPort,
      username: 'sender',
      password: PASSWORD,
      presence: false,
      streamManagement: true,
    }),
  );
  load = l;
  const source: Load = {
    run: (r) => l.run(r),
    mute: (q) => l.mute(q),
    settle: () => new Promise((r) => setTimeout(r, 2000)),
    records: () =>
      l.acked.map(
        (m): PublishRecord => ({
          target: m.target,
          seq: m.seq,
          dueAt: m.at,
          sentAt: m.at,
          answeredAt: Number.NaN,
          type: 'result',
        }),
      ),
  };
  return { e, w, source };
}

it(
  'ejabberd restarts: every message it acknowledged is pushed on time',
  async () => {
    const { e, w, source } = await setUp({});
    await w.start();
    let restarted = 0;
    const run = await runFault(
      w,
      {
        begin: async () => {
          await e.restart();
          restarted = Date.now();
        },
        durationMs: 0,
        end: () => restarted,
      },
      source,
    );
    console.log(`${describeRun('ejabberd restart', run)}; sender: ${JSON.stringify(load?.stats)}`);
    expect(broken(run)).toEqual([]);
  },
  180_000 + MEASURE_MS,
);

it(
  'two processes on ejabberd, one killed: every message it acknowledged is pushed on time',
  async () => {
    redis = await startAofRedis();
    const { w, source } = await setUp({ storeUrl: redis.url });
    await w.start();
    await w.start();
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
      source,
    );
    console.log(
      `${describeRun('ejabberd, two processes, one killed', run)}; sender: ${JSON.stringify(load?.stats)}`,
    );
    expect(broken(run)).toEqual([]);
  },
  180_000 + MEASURE_MS,
);
