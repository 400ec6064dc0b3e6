// The embedded store's rate limiter: in memory, so its limits hold per process only.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { wrapLimiter } from '../limiter.js';
import type { Limiter, LimiterOptions } from '../types.js';

/**
 * Counters live in this process' memory, one set per limiter() call: limits hold per process,
 * not across processes that share the SQLite folder (use the Redis store for that).
 */
export function memoryLimiter(o: LimiterOptions): Limiter {
  return wrapLimiter(
    new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration: o.durationS }),
  );
}
