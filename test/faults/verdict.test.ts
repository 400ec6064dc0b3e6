// The fault suite's bookkeeping (harness/faults/verdict.ts) on small hand-made runs: what counts
// as pushed, late, duplicated, and when service is back.
import { expect, it } from '@jest/globals';
import type { PublishRecord } from '../../harness/faults/publisher.js';
import { timeline } from '../../harness/faults/timeline.js';
import { judge, type Push } from '../../harness/faults/verdict.js';
import { broken, expectKept, type FaultRun } from './kit.js';
import { IN_FLIGHT_MS } from './targets.js';
import { providerOf } from './world.js';

const publish = (target: number, seq: number, sentAt: number, more: Partial<PublishRecord> = {}) =>
  ({
    target,
    seq,
    dueAt: sentAt,
    sentAt,
    answeredAt: sentAt + 1,
    type: 'result',
    ...more,
  }) as PublishRecord;
const push = (target: number, count: number, at: number, conn = '40000>443'): Push => ({
  target,
  count,
  at,
  conn,
});
const verdict = (records: PublishRecord[], pushes: Push[], faultEnd = 1000) =>
  judge({ records, pushes, faultEnd, onTimeMs: 100, serviceLatencyMs: 10 });

it('a push carrying a later count delivers the earlier publishes of that device', () => {
  const v = verdict([publish(0, 1, 0), publish(0, 2, 5), publish(1, 1, 5)], [push(0, 2, 8)]);
  expect(v).toMatchObject({ results: 3, missing: 1, late: 0, duplicates: 0 });
});

it('a push with an older count does not deliver a newer publish', () => {
  const v = verdict([publish(0, 2, 0)], [push(0, 1, 3)]);
  expect(v.missing).toBe(1);
  expect(v.missingExamples).toMatchObject([{ target: 0, seq: 2 }]);
});

it('counts late pushes from the fault end, and duplicates of one count', () => {
  const v = verdict(
    [publish(0, 1, 0), publish(1, 1, 0), publish(1, 2, 2000)],
    [push(0, 1, 1050), push(1, 1, 1200), push(1, 1, 1300), push(1, 2, 2005)],
  );
  expect(v).toMatchObject({ late: 1, duplicates: 1, missing: 0, lastPushAfterFaultMs: 200 });
});

it('only errors of another type than wait count as non-wait; unsent publishes are no results', () => {
  const v = verdict(
    [
      publish(0, 1, 0, { type: 'error', errorType: 'wait', condition: 'internal-server-error' }),
      publish(0, 2, 0, { type: 'error', errorType: 'cancel', condition: 'item-not-found' }),
      publish(0, 3, Number.NaN, { dueAt: 0, type: '' }),
    ],
    [],
  );
  expect(v).toMatchObject({ nonWait: 1, unsent: 1, results: 0, missing: 0 });
  expect(v.errors).toEqual({ 'wait/internal-server-error': 1, 'cancel/item-not-found': 1 });
});

it('service is back from the first publish after which every one is answered and pushed in time', () => {
  const records = [publish(0, 1, 1000), publish(0, 2, 1200), publish(0, 3, 1400)];
  const slowThenFast = [push(0, 1, 1500), push(0, 2, 1500), push(0, 3, 1401)];
  expect(verdict(records, slowThenFast).serviceBackMs).toBe(200);
  expect(verdict(records, [push(0, 3, 1401)]).serviceBackMs).toBe(200);
  expect(verdict(records, [push(0, 3, 1500)]).serviceBackMs).toBeNaN();
});

it('the timeline counts, second by second from the fault start, publishes, answers and pushes', () => {
  const lines = timeline(
    [
      publish(0, 1, 100),
      publish(1, 1, 1200, { answeredAt: 1230 }),
      publish(0, 2, 1500, { answeredAt: 1600 }),
      publish(1, 2, 1800, { sentAt: Number.NaN }),
    ],
    [push(0, 1, 400), push(1, 1, 2200)],
    0,
    providerOf,
  ).split('\n');
  expect(lines.slice(1)).toEqual([
    '  0      1      1 1/1             300/300/300 (1)                300        -',
    '  1      2      2 100/100         1000/1000/1000 (1)               -     1000',
  ]);
});

it('the timeline shows the median answer on each component link when the records know it', () => {
  const line = timeline(
    [
      publish(0, 1, 0, { answeredAt: 10, link: 0 }),
      publish(1, 1, 0, { answeredAt: 500, link: 1 }),
      publish(2, 1, 0, { answeredAt: 700, link: 1 }),
    ],
    [],
    0,
    providerOf,
  ).split('\n')[1];
  expect(line).toMatch(/ {2}#0 10 \(1\) {2}#1 700 \(2\)$/);
});

it('tells duplicates whose first copy a killed process sent, and how long before the fault', () => {
  const killed = new Set(['40001>443']);
  const v = judge({
    records: [0, 1, 2, 3].map((t) => publish(t, 1, 0)),
    pushes: [
      // sent by the killed process before the fault, and again by another
      push(0, 1, 400, '40001>443'),
      push(0, 1, 1100),
      // sent by the killed process, read by the provider after the fault started
      push(1, 1, 1050, '40001>443'),
      push(1, 1, 1200),
      // sent twice by a process that lives on: not the kill's doing, before or after the fault
      push(2, 1, 700),
      push(2, 1, 1300),
      push(3, 1, 1100),
      push(3, 1, 1400),
    ],
    faultStart: 1000,
    killed,
    faultEnd: 1000,
    onTimeMs: 100,
    serviceLatencyMs: 10,
  });
  expect(v).toMatchObject({ duplicates: 4, repeatedInFlight: 2, oldestRepeatedMs: 600 });
});

it('a killed process may repeat its sends in flight; other duplicates count against the share', () => {
  const records = Array.from({ length: 100 }, (_, i) => publish(i, 1, 0));
  const pushes = records.map((r) => push(r.target, 1, 500));
  const run = (repeats: Push[]): FaultRun => ({
    verdict: judge({
      records,
      pushes: [...pushes, ...repeats],
      faultStart: 1000,
      killed: new Set(['40000>443']),
      faultEnd: 1000,
      onTimeMs: 10_000,
      serviceLatencyMs: 10_000,
    }),
    faultStart: 1000,
    faultEnd: 1000,
  });
  const repeated = run([push(0, 1, 1500), push(1, 1, 1500)]);
  expect(broken(repeated, { killed: 1 })).toEqual([]);
  expect(broken(repeated)).toEqual(['2 duplicate pushes (more than 1 %)']);
  const stale = run([push(0, 1, 1500)]);
  stale.verdict.oldestRepeatedMs = IN_FLIGHT_MS + 1;
  expect(broken(stale, { killed: 1 })[0]).toMatch(/before the kill was repeated/);
  // A failing run says what it broke and, to see where the time went, shows its timeline.
  repeated.timeline = 'timeline from the fault start';
  expect(() => expectKept(repeated, { killed: 1 })).not.toThrow();
  expect(() => expectKept(repeated)).toThrow(
    '2 duplicate pushes (more than 1 %)\n\ntimeline from the fault start',
  );
});
