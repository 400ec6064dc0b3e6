// Fault suite, ejabberd: a real ejabberd (mod_push) restarted; and two of our processes on one
// Redis, both connected to it as the same component (docs/ejabberd.md: ejabberd disables a
// user's push on the first non-`wait` error, and answers `forbidden` for a component that is not
// connected), one killed -9. A sender sends RATE_PER_S messages to 1,000 offline users with push
// enabled, with stream management (XEP-0198). Targets and what is measured how: ./targets.ts and
// ./kit.ts. What each run can claim, as measured here:
// - Restart: ejabberd accepts the sender before our component is back (our reconnect delay is
//   up to `reconnect_max_ms`), routes those messages' publishes to no one, answers them itself
//   `forbidden` ("Access denied by service policy") and disables those users' push for good (the
//   client must enable it again). That is ejabberd's, not ours: the run counts those users (from
//   ejabberd's log), checks that every disabling was that error of ejabberd's own, and claims
//   that every message ejabberd acknowledged to any other user is pushed on time.
// - One of two processes killed: the publishes ejabberd had routed to the killed process and
//   that it had not answered are lost (ejabberd does not send a publish again); every one it
//   answered `result` is queued in Redis and must be pushed by the other. ejabberd's answers are
//   read on the component links themselves (harness/faults/component-tap.ts), so the claim is
//   the one of every fault run: every publish answered `result` is pushed on time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from '@jest/globals';
import { type ComponentTap, startComponentTap } from '../../harness/faults/component-tap.js';
import { type MessageLoad, messageLoad } from '../../harness/faults/message-load.js';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { type Ejabberd, startEjabberd } from '../../harness/servers/ejabberd.js';
import { type RedisServer, startRedis } from '../../harness/servers/redis.js';
import { connectClient } from '../../harness/servers/xmpp-client.js';
import {
  broken,
  describeRun,
  type FaultWorld,
  type Load,
  runFault,
  startFaultWorld,
} from '../faults/kit.js';
import { MEASURE_MS, REGISTRATIONS } from '../faults/targets.js';

const PASSWORD = 'fault-pass';
let world: FaultWorld | undefined;
let ejabberd: Ejabberd | undefined;
let redis: RedisServer | undefined;
let load: MessageLoad | undefined;
let tap: ComponentTap | undefined;
afterEach(async () => {
  await load?.stop();
  await world?.stop();
  await tap?.close();
  tap = undefined;
  await Promise.all([ejabberd?.stop(), redis?.stop()]);
  load = undefined;
  world = undefined;
  ejabberd = undefined;
  redis = undefined;
});

/** ejabberd with the users registered and push enabled, our world, and the sender's load. */
async function setUp(o: {
  storeUrl?: string;
  /** Our processes connect through a tap: the records are the publishes and our answers. */
  tapped?: boolean;
  /** Leaves out messages to these users (acknowledged records only). */
  skip?: () => Set<number>;
}): Promise<{ e: Ejabberd; w: FaultWorld; source: Load }> {
  const e = await startEjabberd({ componentSecret: 'fault-suite-secret', logLevel: 'warning' });
  ejabberd = e;
  const t = o.tapped ? await startComponentTap(e.componentPort) : undefined;
  tap = t;
  const server = t ? { ...e, componentPort: t.port } : e;
  const w = await startFaultWorld({ storeUrl: o.storeUrl, server });
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
    records: () => {
      if (t) {
        const byNode = new Map(w.targets.map((x, i) => [x.node, i]));
        return t.records((node) => byNode.get(node));
      }
      const skip = o.skip?.() ?? new Set<number>();
      return l.acked
        .filter((m) => !skip.has(m.target))
        .map(
          (m): PublishRecord => ({
            target: m.target,
            seq: m.seq,
            dueAt: m.at,
            sentAt: m.at,
            answeredAt: Number.NaN,
            type: 'result',
          }),
        );
    },
  };
  return { e, w, source };
}

/** Users whose push ejabberd disabled, by its log, with the error it gave. */
function disabledByEjabberd(e: Ejabberd): Map<number, string> {
  const out = new Map<number, string>();
  let log = '';
  try {
    log = readFileSync(join(e.dir, 'logs', 'ejabberd.log'), 'utf8');
  } catch {}
  for (const m of log.matchAll(
    /notification for u(\d+)@localhost \(.*?\), disabling push: (.*)$/gm,
  )) {
    out.set(Number(m[1]), m[2] ?? '');
  }
  return out;
}
const EJABBERD_OWN_REFUSAL = 'Access denied by service policy (forbidden) (auth)';

it(
  'ejabberd restarts: users it disabled itself are counted; every other acknowledged message is pushed on time',
  async () => {
    let e0: Ejabberd | undefined;
    const { e, w, source } = await setUp({
      skip: () => new Set(e0 ? disabledByEjabberd(e0).keys() : []),
    });
    e0 = e;
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
    const disabled = disabledByEjabberd(e);
    console.log(
      `${describeRun('ejabberd restart', run)}; sender: ${JSON.stringify(load?.stats)}; users whose push ejabberd disabled itself before our component was back: ${disabled.size}`,
    );
    expect(broken(run)).toEqual([]);
    expect([...new Set(disabled.values())].filter((r) => r !== EJABBERD_OWN_REFUSAL)).toEqual([]);
  },
  180_000 + MEASURE_MS,
);

it(
  'two processes on ejabberd, one killed: every publish answered result is pushed on time',
  async () => {
    redis = await startRedis({ aof: true });
    const { e, w, source } = await setUp({ storeUrl: redis.url, tapped: true });
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
    expect(run.verdict.results).toBeGreaterThan(0);
    expect([...disabledByEjabberd(e).values()]).toEqual([]);
  },
  180_000 + MEASURE_MS,
);
