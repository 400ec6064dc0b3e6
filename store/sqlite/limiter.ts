// The embedded store's rate limiter: in memory, so its limits hold per process only.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { wrapLimiter } from '../limiter.js';
import type { Limiter, LimiterOptions } from '../types.js';

/**
 * Each call makes a limiter with its own counters in this process' memory: the embedded
 * store serves one process, so that is every process using it.
 */
export function memoryLimiter(o: LimiterOptions): Limiter {
  return wrapLimiter(
    new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration: o.durationS }),
  );
}
