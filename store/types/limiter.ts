// Store types, rate limits.

export interface LimiterOptions {
  /** Distinguishes limiters sharing one store. */
  name: string;
  points: number;
  durationS: number;
}

export interface Limiter {
  /** Takes one point for `key`; when none is left, says how long until one is. */
  consume(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
  /** Like consume, but takes nothing: says whether `key` has no points left now. */
  peek(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}
