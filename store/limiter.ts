// Adapts rate-limiter-flexible limiters (memory or Redis) to the store's Limiter.
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter, LimiterOptions } from './types.js';

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

/** One limiter per name, made by `make` on first use; asking again with other numbers is a bug. */
export function sameLimiterPerName(
  make: (o: LimiterOptions) => Limiter,
): (o: LimiterOptions) => Limiter {
  const made = new Map<string, { o: LimiterOptions; limiter: Limiter }>();
  return (o) => {
    const known = made.get(o.name);
    if (!known) {
      const limiter = make(o);
      made.set(o.name, { o, limiter });
      return limiter;
    }
    if (known.o.points !== o.points || known.o.durationS !== o.durationS) {
      throw new Error(`limiter ${o.name} exists with other limits`);
    }
    return known.limiter;
  };
}
