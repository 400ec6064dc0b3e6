// What one push costs in the SQLite store, per operation, through the store API (evidence for
// where the publish and delivery paths spend their time):
//   node dist/bench/store-micro.js   (CPU time per operation)
// Each operation runs as the process runs it (one commit each), and again with many per commit
// on the batchable connection of bench/registrations.ts, to show what group commits would save.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from '../store/types.js';
import { openBatchableStore } from './registrations.js';
import { fmt, table } from './report.js';

const PAYLOAD = { payload: JSON.stringify({ messageCount: 1 }), priority: 'high' as const };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-store-micro-'));
  try {
    const { store, db } = openBatchableStore(join(dir, 'store'));
    const account = await store.accounts.create({ username: 'bench' }, 1);
    if (account === 'conflict') throw new Error('unexpected conflict');
    const N = 12_000;
    const devices: string[] = [];
    db.exec('BEGIN');
    for (let i = 0; i < N; i++) {
      const d = await store.devices.upsert(
        { owner: account.id, provider: 'apns', deviceId: `d${i}`, deviceToken: 'ab'.repeat(32) },
        1,
      );
      devices.push(d.id);
    }
    db.exec('COMMIT');
    const now = 1_000_000;
    const rows: Array<[string, number]> = [];
    // CPU time, not wall time: a write that may wait (a completion) waits for a timer, idle.
    const cpuUs = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const time = async (label: string, count: number, fn: (i: number) => Promise<unknown>) => {
      const t = cpuUs();
      for (let i = 0; i < count; i++) await fn(i);
      rows.push([label, (cpuUs() - t) / count]);
    };
    const batched = async (
      label: string,
      count: number,
      per: number,
      fn: (i: number) => Promise<unknown>,
    ) => {
      const t = cpuUs();
      for (let i = 0; i < count; i += per) {
        db.exec('BEGIN');
        for (let k = i; k < Math.min(count, i + per); k++) await fn(k);
        db.exec('COMMIT');
      }
      rows.push([label, (cpuUs() - t) / count]);
    };
    let d = 0;
    await time('queue.enqueue, one commit each', 3000, () =>
      store.queue.enqueue(devices[d++] as string, PAYLOAD, 1, now),
    );
    await batched('queue.enqueue, 100 per commit', 3000, 100, () =>
      store.queue.enqueue(devices[d++] as string, PAYLOAD, 1, now),
    );
    // claim(1) as the delivery worker does after each finished send, with leased jobs in the table.
    for (const leased of [0, 1000]) {
      if (leased > 0) await store.queue.claim(leased, now + 1, now + 60_000);
      const got: Lease[] = [];
      await time(`queue.claim(1) with ${leased} jobs leased`, 500, async () => {
        got.push(...(await store.queue.claim(1, now + 1, now + 60_000)));
      });
      await time('queue.complete alone (commits after 20 ms)', got.length, (i) =>
        store.queue.complete(got[i] as Lease),
      );
    }
    let t = cpuUs();
    const many = await store.queue.claim(1000, now + 1, now + 60_000);
    rows.push(['queue.claim(1000), per job', (cpuUs() - t) / many.length]);
    // The delivery worker's heartbeat: every lease it holds, renewed in one call.
    t = cpuUs();
    await store.queue.extend(many, now + 120_000);
    rows.push(['queue.extend(1000 leases), per job', (cpuUs() - t) / many.length]);
    await time('devices.recordSuccess alone (commits after 20 ms)', 500, (i) =>
      store.devices.recordSuccess(devices[i] as string, now),
    );
    t = cpuUs();
    await Promise.all(
      many.flatMap((j) => [store.queue.complete(j), store.devices.recordSuccess(j.deviceId, now)]),
    );
    rows.push(['complete + recordSuccess, 1000 per commit', (cpuUs() - t) / many.length]);
    await time('devices.get', 5000, (i) => store.devices.get(devices[i % N] as string));
    // One push alone at low load, the store's part: claimed after its enqueue, or leased in it;
    // its completion rides along with the next push's enqueue.
    const alone = devices.slice(N - 2000);
    let last: Promise<unknown> = Promise.resolve();
    await time('one push: enqueue, claim(1), then complete + recordSuccess', 1000, async (i) => {
      const id = alone[i] as string;
      await store.queue.enqueue(id, PAYLOAD, 0, now + 10);
      const [job] = await store.queue.claim(1, now + 10, now + 60_000);
      if (job) {
        last = Promise.all([store.queue.complete(job), store.devices.recordSuccess(id, now)]);
      }
    });
    await last;
    await time('one push: enqueueLeased, then complete + recordSuccess', 1000, async (i) => {
      const id = alone[1000 + i] as string;
      const job = await store.queue.enqueueLeased(id, PAYLOAD, 0, now + 10, now + 60_000);
      if (typeof job === 'object') {
        last = Promise.all([store.queue.complete(job), store.devices.recordSuccess(id, now)]);
      }
    });
    await last;
    console.log(
      table(
        ['store operation (SQLite, WAL, synchronous=NORMAL)', 'CPU µs per op'],
        rows.map(([l, us]) => [l, fmt(us)]),
      ),
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
