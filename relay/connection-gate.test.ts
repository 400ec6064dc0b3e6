import { expect, it } from '@jest/globals';
import {
  answered,
  createGate,
  flowing,
  type GateOptions,
  mayStart,
  started,
} from './connection-gate.js';

const o: GateOptions = {
  concurrency: 2,
  initialMs: 100,
  maxMs: 1000,
  retryAfterMaxMs: 5000,
  stuckMs: 2000,
};
const trouble = { retryAfterMs: undefined };

it('backs off after provider-wide failures in a row, probes once, and recovers on an answer', () => {
  const g = createGate();
  // One device's passing trouble does not stop the connection.
  for (const t of [0, 1]) {
    started(g, t);
    expect(answered(g, o, t, { probe: false, trouble })).toBeUndefined();
  }
  started(g, 2);
  expect(answered(g, o, 2, { probe: false })).toBeUndefined();
  expect(g.streak).toBe(0);
  for (const t of [3, 4]) {
    started(g, t);
    answered(g, o, t, { probe: false, trouble });
  }
  started(g, 5);
  expect(answered(g, o, 5, { probe: false, trouble })).toBe('backedOff');
  expect(g.until).toBeGreaterThanOrEqual(105);
  expect(mayStart(g, o, 6)).toBe(false);
  expect(flowing(g, o, 6)).toBe(false);
  // The backoff over: one probe, and no second send while it is out.
  const t = g.until;
  expect(mayStart(g, o, t)).toBe(true);
  expect(started(g, t)).toBe(true);
  expect(mayStart(g, o, t)).toBe(false);
  expect(flowing(g, o, t)).toBe(true);
  expect(answered(g, o, t + 1, { probe: true, trouble })).toBe('backedOff');
  const t2 = g.until;
  expect(t2).toBeGreaterThan(t);
  expect(started(g, t2)).toBe(true);
  expect(answered(g, o, t2 + 1, { probe: true })).toBe('recovered');
  expect(g).toMatchObject({ until: 0, failures: 0, probing: false });
  expect(mayStart(g, o, t2 + 1)).toBe(true);
});

it('honours Retry-After up to its cap', () => {
  const g = createGate();
  for (let i = 0; i < 3; i++) started(g, 0);
  answered(g, o, 0, { probe: false, trouble: { retryAfterMs: 3000 } });
  answered(g, o, 0, { probe: false, trouble: { retryAfterMs: 3000 } });
  answered(g, o, 0, { probe: false, trouble: { retryAfterMs: 86_400_000 } });
  expect(g.until).toBe(5000);
});

it('a connection whose sends all hang stops counting as flowing', () => {
  const g = createGate();
  started(g, 0);
  started(g, 10);
  expect(mayStart(g, o, 10)).toBe(false);
  expect(flowing(g, o, 2000)).toBe(true);
  expect(flowing(g, o, 2001)).toBe(false);
  answered(g, o, 2500, { probe: false });
  expect(flowing(g, o, 2600)).toBe(true);
});

it('a connection takes no more sends at once than its own limit', () => {
  const g = createGate(1);
  started(g, 0);
  expect(mayStart(g, o, 0)).toBe(false);
  answered(g, o, 1, { probe: false });
  expect(mayStart(g, o, 1)).toBe(true);
});
