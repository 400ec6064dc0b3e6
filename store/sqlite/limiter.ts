// The embedded store's rate limiters: in memory, so their limits hold per process only.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { sameLimiterPerName, wrapLimiter } from '../limiter.js';
import type { Limiter, LimiterOptions } from '../types.js';

/**
 * Counters live in this process' memory, one limiter per name: limits hold per process, not
 * across processes that share the SQLite folder (use the Redis store for that).
 */
export function memoryLimiters(): (o: LimiterOptions) => Limiter {
  return sameLimiterPerName((o) =>
    wrapLimiter(
      new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration: o.durationS }),
    ),
  );
}
