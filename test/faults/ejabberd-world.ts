// The ejabberd fault runs' world: a real ejabberd (mod_push) with 1,000 offline users whose push
// is enabled to our component, our processes (optionally through a tap that reads ejabberd's
// publishes and our answers on the component links), and a sender with stream management
// (XEP-0198) sending them messages. Used by ./ejabberd.test.ts and ./ejabberd-two-processes.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ComponentTap, startComponentTap } from '../../harness/faults/component-tap.js';
import { type MessageLoad, messageLoad } from '../../harness/faults/message-load.js';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { type Ejabberd, startEjabberd } from '../../harness/servers/ejabberd.js';
import type { RedisServer } from '../../harness/servers/redis.js';
import { connectClient } from '../../harness/servers/xmpp-client.js';
import { stopInOrder } from '../../harness/stop.js';
import type { Load } from './kit.js';
import { RATE_PER_S, REGISTRATIONS } from './targets.js';
import { type FaultWorld, startFaultWorld } from './world.js';

const PASSWORD = 'fault-pass';

export interface EjabberdWorld {
  e: Ejabberd;
  w: FaultWorld;
  source: Load;
  load: MessageLoad;
}

/** What a test started, stopped after it; parts it did not get to are skipped. */
export interface EjabberdParts {
  e?: Ejabberd;
  tap?: ComponentTap;
  w?: FaultWorld;
  load?: MessageLoad;
  /** A Redis the test started for our processes' store. */
  redis?: RedisServer;
}

/** Stops the parts (the load first, Redis last) and empties `parts` for the next test. */
export function stopEjabberdWorld(parts: EjabberdParts): Promise<void> {
  const { load, w, tap, e, redis } = parts;
  for (const key of Object.keys(parts)) delete parts[key as keyof EjabberdParts];
  return stopInOrder({ load, world: w, tap, ejabberd: e, redis });
}

/**
 * ejabberd with the users registered and push enabled, our world, and the sender's load. Each
 * part goes into `parts` as soon as it runs, so that the test's cleanup stops it.
 */
export async function startEjabberdWorld(
  parts: EjabberdParts,
  o: {
    storeUrl?: string;
    /** Our processes connect through a tap: the records are the publishes and our answers. */
    tapped?: boolean;
    /** Leaves out messages to these users (acknowledged records only). */
    skip?: () => Set<number>;
  },
): Promise<EjabberdWorld> {
  const e = await startEjabberd({ componentSecret: 'fault-suite-secret', logLevel: 'warning' });
  parts.e = e;
  const t = o.tapped ? await startComponentTap(e.componentPort) : undefined;
  parts.tap = t;
  const server = t ? { ...e, componentPort: t.port } : e;
  const w = await startFaultWorld({ storeUrl: o.storeUrl, server });
  parts.w = w;
  const users = Array.from({ length: REGISTRATIONS }, (_, i) => [`u${i}`, PASSWORD] as const);
  await e.registerMany([...users, ['sender', PASSWORD]]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < REGISTRATIONS; i = next++) {
        const c = await connectClient({ port: e.c2sPort, username: `u${i}`, password: PASSWORD });
        const target = w.targets[i] as { node: string; secret: string };
        await c.enablePush({ jid: e.componentDomain, ...target });
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
      // The records come from XEP-0198 acks only without the tap; acking every message costs
      // ejabberd and the test process CPU that the run's processes share.
      streamManagement: !t,
    }),
  );
  parts.load = l;
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
  return { e, w, source, load: l };
}

/**
 * Brings the run's processes (ours, ejabberd) to speed before the measured load: a ramp of the
 * sender's messages to every user, at a quarter, half and three quarters of RATE_PER_S, then a
 * pause for their pushes. Started cold at full rate, our processes fell 0.5–1 s behind in their
 * first seconds (compiling, opening provider connections) and, two of them on 2 cores, took
 * 5–10 s to catch up: a kill in that time measured the start-up, not the kill. A process in
 * service is warm. The ramp's publishes are judged with the rest.
 */
export async function warmUp(load: MessageLoad): Promise<void> {
  for (const share of [0.25, 0.5, 0.75]) {
    await load.run({ targets: REGISTRATIONS, ratePerS: RATE_PER_S * share, durationMs: 2_000 });
  }
  await sleep(2_000);
}

/** Users whose push ejabberd disabled, by its log, with the error it gave. */
export function disabledByEjabberd(e: Ejabberd): Map<number, string> {
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

/** The error ejabberd itself answers a publish for a component that is not connected. */
export const EJABBERD_OWN_REFUSAL = 'Access denied by service policy (forbidden) (auth)';
