/** Backoff with full jitter: a random delay up to initial·2^(attempt-1), capped at `maxMs`. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.max(initialMs, Math.round(Math.random() * ceiling));
}
