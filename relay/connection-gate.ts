// One provider connection's state in the delivery worker: its sends in flight, the jobs waiting
// for it, and its backoff after provider-wide trouble (429, 5xx, timeouts, network errors).
import { backoffMs } from '../lib/backoff.js';

export interface GateOptions {
  /** Sends in flight on the connection at most. */
  concurrency: number;
  /** First backoff of a connection in trouble; doubles per failed probe up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  /** A provider's Retry-After is honoured up to this. */
  retryAfterMaxMs: number;
  /** A connection whose sends have all been out this long without an answer counts as stuck. */
  stuckMs: number;
}

export interface Gate<T> {
  inFlight: number;
  /** The connection's own cap on sends in flight (its provider's `maxInFlight`). */
  readonly limit: number;
  /** Jobs held for the connection, sent as slots free up (or after a successful probe). */
  readonly waiting: T[];
  /** Backed off until then; 0 while healthy. */
  until: number;
  /** The one send that tests a connection whose backoff ended is out. */
  probing: boolean;
  /** Failed probes in a row (the backoff's exponent). */
  failures: number;
  /** Provider-wide failures answered in a row, with no other answer between them. */
  streak: number;
  /** The last time a send was answered or the connection went from idle to busy. */
  moved: number;
  timer?: NodeJS.Timeout;
}

/** Provider-wide failures in a row that back a healthy connection off. */
const TRIP_STREAK = 3;

export function createGate<T>(limit = Number.POSITIVE_INFINITY): Gate<T> {
  return {
    inFlight: 0,
    limit,
    waiting: [],
    until: 0,
    probing: false,
    failures: 0,
    streak: 0,
    moved: 0,
  };
}

/**
 * Sends the connection takes at once, and jobs it holds waiting for them: a slow connection
 * holds no more claims than it can use soon, so it cannot starve the others.
 */
export const capacity = (g: Gate<unknown>, o: GateOptions): number =>
  Math.min(o.concurrency, g.limit);

/** Whether a send may start now; the first one after a backoff is the probe. */
export function mayStart(g: Gate<unknown>, o: GateOptions, now: number): boolean {
  if (g.inFlight >= capacity(g, o)) return false;
  return g.until === 0 || (now >= g.until && !g.probing);
}

/** A send starts; returns whether it is the probe of a connection whose backoff ended. */
export function started(g: Gate<unknown>, now: number): boolean {
  if (g.inFlight === 0) g.moved = now;
  g.inFlight++;
  if (g.until === 0) return false;
  g.probing = true;
  return true;
}

/**
 * Records a send's answer: `probe` as `started` said; `trouble`, a provider-wide failure (a
 * `retry` result) with the provider's Retry-After if any. Returns what changed: `backedOff` (tripped, or a probe failed),
 * `recovered` (an answer came after a backoff), or nothing.
 */
export function answered(
  g: Gate<unknown>,
  o: GateOptions,
  now: number,
  send: { probe: boolean; trouble?: { retryAfterMs?: number } },
): 'backedOff' | 'recovered' | undefined {
  const { probe, trouble } = send;
  g.inFlight--;
  g.moved = now;
  if (probe) g.probing = false;
  if (!trouble) {
    g.streak = 0;
    if (g.until === 0) return undefined;
    g.until = 0;
    g.failures = 0;
    return 'recovered';
  }
  g.streak++;
  // Answers to sends that went out before the backoff change nothing; a probe's does.
  if (g.until !== 0 ? !probe : g.streak < TRIP_STREAK) return undefined;
  g.failures++;
  const retryAfter = Math.min(trouble.retryAfterMs ?? 0, o.retryAfterMaxMs);
  g.until = now + Math.max(retryAfter, backoffMs(g.failures, o.initialMs, o.maxMs));
  return 'backedOff';
}

/**
 * Whether the jobs the connection holds count against the worker's claims: not while it is
 * backed off or stuck, so a hanging provider cannot starve the others. While its probe is out
 * they do: the jobs that will go once it gets through are held, not claimed and given back.
 */
export function flowing(g: Gate<unknown>, o: GateOptions, now: number): boolean {
  return (g.until === 0 || g.probing) && !(g.inFlight > 0 && now - g.moved > o.stuckMs);
}
