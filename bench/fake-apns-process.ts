// Child process: the fake APNs (harness/fakes/apns-server.ts) on its own event loop, reporting each
// accepted request's device token and arrival time to the parent over IPC.
//   parent → child: { type: 'close' }
//   child → parent: { type: 'ready', url, ca }, then { type: 'arrivals', a: [index, ms, …], bad }
import { startFakeApns } from '../harness/fakes/apns-server.js';
import { nowMs } from './clock.js';

const send = (m: unknown) => {
  if (process.connected) process.send?.(m);
};

async function main(): Promise<void> {
  const key = process.env.BENCH_APNS_KEY;
  if (!process.send || !key) throw new Error('run by bench/run.js (IPC and BENCH_APNS_KEY)');
  const fake = await startFakeApns({
    publicKey: key,
    keyId: process.env.BENCH_APNS_KEY_ID,
    teamId: process.env.BENCH_APNS_TEAM_ID,
  });
  // The fake keeps every request in `requests`; keep only what the bench needs instead (the
  // push hook runs synchronously at arrival, before the fake answers).
  let batch: number[] = [];
  let bad = 0;
  fake.requests.push = (...items) => {
    const t = nowMs();
    for (const r of items) {
      if (r.status === 200) batch.push(Number.parseInt(r.deviceToken, 16), t);
      else bad++;
    }
    return 0;
  };
  const flush = () => {
    if (batch.length === 0 && bad === 0) return;
    send({ type: 'arrivals', a: batch, bad });
    batch = [];
    bad = 0;
  };
  const timer = setInterval(flush, 20);
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    clearInterval(timer);
    flush();
    await fake.close();
    process.disconnect?.();
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'close') void close();
  });
  // The parent went away (even SIGKILLed): do not outlive it.
  process.on('disconnect', () => void close());
  process.on('SIGINT', () => void close());
  process.on('SIGTERM', () => void close());
  send({ type: 'ready', url: fake.url, ca: fake.ca });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
