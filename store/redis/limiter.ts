// The Redis store's rate limiter: counters in Redis, so every process shares the limits.
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { wrapLimiter } from '../limiter.js';
import type { Limiter, LimiterOptions } from '../types.js';

/** Limiters with the same name share counters (`<prefix>limit:<name>:<key>`). */
export function redisLimiter(redis: Redis, prefix: string, o: LimiterOptions): Limiter {
  return wrapLimiter(
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}limit:${o.name}`,
      points: o.points,
      duration: o.durationS,
    }),
  );
}
