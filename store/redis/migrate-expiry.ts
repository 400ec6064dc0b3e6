// Redis schema 3: tokens that expire are indexed by their expiry (P tokens:expiry), so that
// expired ones can be purged without reading every token. Safe to run again.
import type { Redis } from 'ioredis';

export async function indexExpiry(redis: Redis, prefix: string): Promise<void> {
  const byHash = `${prefix}tokens:by-hash`;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(byHash, cursor, 'COUNT', 500);
    cursor = next;
    const ids = flat.filter((_, i) => i % 2 === 1);
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(`${prefix}token:${id}`, 'expiresAt');
    const expiries = (await pipeline.exec()) ?? [];
    const index = redis.pipeline();
    ids.forEach((id, i) => {
      const [err, at] = expiries[i] ?? [];
      if (err) throw err;
      if (typeof at === 'string' && at !== '') index.zadd(`${prefix}tokens:expiry`, at, id);
    });
    for (const [err] of (await index.exec()) ?? []) if (err) throw err;
  } while (cursor !== '0');
}
