// Writes that count as done only once replicas have them (Redis WAIT): replication is
// asynchronous, and a failover may promote a replica that never saw an acknowledged write.
import type { Redis } from 'ioredis';
import type { Store } from '../types.js';

/** The writes whose success someone is told of: an accepted push, a registration, an account. */
const ACKNOWLEDGED = {
  accounts: ['create', 'remove', 'addApiKey'],
  registrations: ['put', 'remove'],
  collected: ['put', 'remove'],
  devices: ['upsert', 'update', 'remove'],
  tokens: ['add', 'removeByHash', 'removeById'],
  queue: ['enqueue'],
  sessions: ['open'],
} as const satisfies { [Part in keyof Store]?: ReadonlyArray<keyof Store[Part]> };

/**
 * Resolves once `replicas` replicas have every write made before the call, or rejects after
 * `timeoutMs`. The calls of one tick share one WAIT (it covers all earlier writes of the
 * connection).
 */
export function replicaWaiter(redis: Redis, replicas: number, timeoutMs: number) {
  let next: Promise<void> | undefined;
  return (): Promise<void> => {
    next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      next = undefined;
      const acked = await redis.wait(replicas, timeoutMs);
      if (acked < replicas) {
        throw new Error(
          `only ${acked} of ${replicas} Redis replicas confirmed the write within ${timeoutMs} ms`,
        );
      }
    });
    return next;
  };
}

/** `store` whose acknowledged writes resolve only after `confirmed()` does. */
export function withReplicas(store: Store, confirmed: () => Promise<void>): Store {
  const out: Record<string, unknown> = { ...store };
  for (const [part, methods] of Object.entries(ACKNOWLEDGED)) {
    const inner = store[part as keyof typeof ACKNOWLEDGED] as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    const wrapped = { ...inner };
    for (const name of methods) {
      const write = inner[name] as (...args: unknown[]) => Promise<unknown>;
      wrapped[name] = async (...args) => {
        const result = await write.apply(wrapped, args);
        await confirmed();
        return result;
      };
    }
    out[part] = wrapped;
  }
  return out as unknown as Store;
}
