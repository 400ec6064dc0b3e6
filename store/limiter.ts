// Adapts rate-limiter-flexible limiters (memory or Redis) to the store's Limiter.
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter } from './types.js';

type Verdict = { ok: true } | { ok: false; retryAfterMs: number };

interface Flexible {
  consume(key: string): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
}

/** Wraps a rate-limiter-flexible limiter: its rejection (a RateLimiterRes) becomes a value. */
export function wrapLimiter(l: Flexible): Limiter {
  return {
    async consume(key): Promise<Verdict> {
      try {
        await l.consume(key);
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: err.msBeforeNext };
        throw err;
      }
    },
    async peek(key): Promise<Verdict> {
      const res = await l.get(key);
      if (res === null || res.remainingPoints > 0) return { ok: true };
      return { ok: false, retryAfterMs: res.msBeforeNext };
    },
  };
}
