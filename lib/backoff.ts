/** Backoff with full jitter: a random delay up to initial·2^(attempt-1), capped at `maxMs`. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.max(initialMs, Math.round(Math.random() * ceiling));
}

/**
 * Reconnect delay: initial·2^(attempt-1) capped at `maxMs`, less up to a quarter at random (so
 * processes that lost the same server spread out). The first retry comes after about `initialMs`
 * and no delay exceeds `maxMs`: back within `maxMs` of the server listening again.
 */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling * (0.75 + Math.random() * 0.25));
}
