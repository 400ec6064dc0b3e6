// A fault run second by second, for finding where the time goes (FAULTS_TIMELINE=1): per second
// after the fault's start, the publishes sent, answered `result` and how long the answers took,
// and how long the answers took (median/worst, ms) and their pushes (median/99th percentile/worst,
// ms, and how many were pushed; `-`: none), then the worst push of each provider (`providerOf`
// names a target's provider), and the median answer on each component
// link where the records know it (the tap on a real server's component port).
import type { PublishRecord } from './publisher.js';
import type { Push } from './verdict.js';

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return String(Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] as number));
};

type Row = {
  sent: number;
  result: number;
  answer: number[];
  push: number[];
  apns: number[];
  fcm: number[];
  /** Answer times by component link, where the records know the link. */
  links: Map<number, number[]>;
};

export function timeline(
  records: PublishRecord[],
  pushes: Push[],
  t0: number,
  providerOf: (target: number) => 'apns' | 'fcm',
): string {
  const byTarget = new Map<number, Push[]>();
  for (const p of [...pushes].sort((a, b) => a.at - b.at)) {
    const list = byTarget.get(p.target) ?? [];
    list.push(p);
    byTarget.set(p.target, list);
  }
  /** When publish `seq` of `target` was first carried by a push (NaN: never). */
  const pushedAt = (r: PublishRecord) =>
    byTarget.get(r.target)?.find((p) => p.count >= r.seq)?.at ?? Number.NaN;
  const rows = new Map<number, Row>();
  for (const r of records) {
    if (Number.isNaN(r.sentAt)) continue;
    const s = Math.floor((r.sentAt - t0) / 1000);
    const row: Row = rows.get(s) ?? {
      sent: 0,
      result: 0,
      answer: [],
      push: [],
      apns: [],
      fcm: [],
      links: new Map(),
    };
    row.sent++;
    if (r.type === 'result') {
      row.result++;
      row.answer.push(r.answeredAt - r.sentAt);
      if (r.link !== undefined) {
        const l = row.links.get(r.link) ?? [];
        l.push(r.answeredAt - r.sentAt);
        row.links.set(r.link, l);
      }
      const at = pushedAt(r);
      if (!Number.isNaN(at)) {
        row.push.push(at - r.sentAt);
        row[providerOf(r.target)].push(at - r.sentAt);
      }
    }
    rows.set(s, row);
  }
  const lines = [
    's    sent result answer p50/max  push p50/p99/max         APNs max  FCM max  answer p50 by link',
  ];
  for (const s of [...rows.keys()].sort((a, b) => a - b)) {
    const r = rows.get(s) as Row;
    const links = [...r.links].sort(([a], [b]) => a - b);
    lines.push(
      `${String(s).padStart(3)} ${String(r.sent).padStart(6)} ${String(r.result).padStart(6)} ` +
        `${pct(r.answer, 0.5)}/${pct(r.answer, 1)}`.padEnd(16) +
        `${pct(r.push, 0.5)}/${pct(r.push, 0.99)}/${pct(r.push, 1)} (${r.push.length})`.padEnd(26) +
        `${pct(r.apns, 1).padStart(8)} ${pct(r.fcm, 1).padStart(8)}` +
        links.map(([l, xs]) => `  #${l} ${pct(xs, 0.5)} (${xs.length})`).join(''),
    );
  }
  return lines.join('\n');
}
