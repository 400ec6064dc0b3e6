// Parent side of the fake APNs child: starts it and collects arrivals by registration index.
import { fileURLToPath } from 'node:url';
import type { ApnsTestKey } from '../harness/fakes/apns-server.js';
import { type Child, forkChild } from './children.js';

export interface Arrival {
  /** First arrival, ms on the shared clock. */
  first: number;
  count: number;
}

export interface FakeApnsChild {
  url: string;
  ca: string;
  child: Child;
  /** Every accepted request so far, by device token index. */
  readonly arrivals: Map<number, Arrival>;
  /** Accepted requests so far. */
  readonly total: number;
  /** Requests the fake refused (never expected here). */
  readonly refused: number;
  /** Called on each batch of arrivals (with the indexes that arrived). */
  onArrivals?: (indexes: number[]) => void;
  /** Resolves once `total` reaches `n`, or after `timeoutMs` (returns whether it did). */
  waitTotal(n: number, timeoutMs: number, onProgress?: (total: number) => void): Promise<boolean>;
  close(): Promise<void>;
}

export async function startFakeApnsChild(key: ApnsTestKey): Promise<FakeApnsChild> {
  const module = fileURLToPath(new URL('./fake-apns-process.js', import.meta.url));
  const child = forkChild('fake APNs', module, [], {
    env: {
      ...process.env,
      BENCH_APNS_KEY: key.key,
      BENCH_APNS_KEY_ID: key.keyId,
      BENCH_APNS_TEAM_ID: key.teamId,
    },
  });
  const arrivals = new Map<number, Arrival>();
  let total = 0;
  let refused = 0;
  const waiters = new Set<() => void>();
  const ready = new Promise<{ url: string; ca: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the fake APNs did not start in 10 s')),
      10_000,
    );
    child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${child.exitReason()}\n${child.output()}`));
    });
    child.proc.on(
      'message',
      (m: { type: string; url: string; ca: string; a: number[]; bad: number }) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve({ url: m.url, ca: m.ca });
        } else if (m.type === 'arrivals') {
          const indexes: number[] = [];
          for (let i = 0; i < m.a.length; i += 2) {
            const index = m.a[i] as number;
            const t = m.a[i + 1] as number;
            const seen = arrivals.get(index);
            if (seen) seen.count++;
            else arrivals.set(index, { first: t, count: 1 });
            indexes.push(index);
          }
          total += indexes.length;
          refused += m.bad;
          fake.onArrivals?.(indexes);
          for (const w of waiters) w();
        }
      },
    );
  });
  const { url, ca } = await ready;
  const fake: FakeApnsChild = {
    url,
    ca,
    child,
    arrivals,
    get total() {
      return total;
    },
    get refused() {
      return refused;
    },
    waitTotal(n, timeoutMs, onProgress) {
      if (total >= n) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(ok);
        };
        const check = () => {
          onProgress?.(total);
          if (total >= n) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      if (child.proc.connected) child.proc.send({ type: 'close' });
      await child.stop(3000);
    },
  };
  return fake;
}
