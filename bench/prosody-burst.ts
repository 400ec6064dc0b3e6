// Prosody mode's burst: offline messages sent as fast as the sender can (no pacing), and how fast
// the component behind Prosody answers the publishes they become. Counted at the component, not
// at the fake APNs (the relay coalesces a burst for one device into one push): our process's
// xpr_publishes_total, the no-op's own counter; both polled every 50 ms.

import type { TestClient } from '../harness/servers/xmpp-client.js';
import type { Child } from './children.js';
import { cpuMeter } from './children.js';
import { nowMs } from './clock.js';
import { Progress } from './report.js';

export interface BurstRun {
  /** Offline messages sent. */
  messages: number;
  /** Publishes the component answered (any outcome). */
  publishes: number;
  /** publishes ÷ (first message sent → the poll that saw the last publish answered). */
  publishesPerS: number;
  elapsedMs: number;
  /** Cores used during the burst by the component, Prosody and the bench (sender). */
  cpu: Record<string, number>;
  /** Our process only: publishes by outcome. */
  outcomes?: Record<string, number>;
}

const POLL_MS = 50;
/** Give up when the count has not moved for this long. */
const QUIET_MS = 5000;

/** The no-op component's answered publishes, asked over IPC (1 s at most). */
export function noopCounter(noop: Child): () => Promise<number> {
  return () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        noop.proc.off('message', onMessage);
        reject(new Error('the no-op component did not report its count within 1 s'));
      }, 1000);
      const onMessage = (m: { type?: string; answered?: number }) => {
        if (m?.type !== 'count') return;
        clearTimeout(timer);
        noop.proc.off('message', onMessage);
        resolve(m.answered ?? Number.NaN);
      };
      noop.proc.on('message', onMessage);
      noop.proc.send({ type: 'count' });
    });
}

export async function runBurst(o: {
  label: string;
  sender: TestClient;
  /** Users u (user<u>@localhost) the messages go to, round-robin. */
  users: number[];
  messages: number;
  /** Publishes answered so far by the component. */
  count: () => Promise<number>;
  pids: Record<string, number>;
  deadlineMs: number;
}): Promise<BurstRun> {
  const progress = new Progress(o.label, o.messages);
  const deadline = Date.now() + o.deadlineMs;
  const before = await o.count();
  const cpu = cpuMeter(o.pids);
  const wall0 = performance.now();
  const t0 = nowMs();
  let sendError: Error | undefined;
  const sending = (async () => {
    for (let i = 0; i < o.messages && Date.now() < deadline; i++) {
      const u = o.users[i % o.users.length] as number;
      await o.sender.sendMessage(`user${u}@localhost`, `burst message ${i}`);
    }
  })().catch((err: Error) => {
    sendError = err;
  });
  let seen = 0;
  let seenAt = t0;
  while (seen < o.messages && !sendError && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const now = (await o.count()) - before;
    const t = nowMs();
    if (now > seen) {
      seen = now;
      seenAt = t;
      progress.update(seen);
    } else if (t - seenAt > QUIET_MS) break;
  }
  await sending;
  if (sendError) throw sendError;
  const wallS = (performance.now() - wall0) / 1000;
  const used = cpu();
  const elapsedMs = seenAt - t0;
  progress.done(
    `${seen} publishes answered for ${o.messages} messages in ${Math.round(elapsedMs)} ms`,
  );
  return {
    messages: o.messages,
    publishes: seen,
    publishesPerS: seen / (elapsedMs / 1000),
    elapsedMs,
    cpu: Object.fromEntries(Object.entries(used).map(([k, s]) => [k, s / wallS])),
  };
}
