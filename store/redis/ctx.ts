// Plumbing shared by the Redis store's parts: key names, Lua scripts, reply parsing.
import type { Redis } from 'ioredis';
import { PRELUDE } from './lua.js';

export type Hash = Record<string, string>;
export type Script = (...args: Array<string | number>) => Promise<unknown>;

export interface Ctx {
  readonly redis: Redis;
  /** A key under the versioned prefix: `key('device', '7')` → `xpr:v1:device:7`. */
  key(...parts: string[]): string;
  /** Defines a Lua script (after the shared prelude); calls pass the prefix as ARGV[1]. */
  script(name: string, body: string): Script;
  /** HGETALL of each key in one round trip (`{}` for a missing key). */
  hashes(keys: string[]): Promise<Hash[]>;
}

export function createCtx(redis: Redis, prefix: string): Ctx {
  return {
    redis,
    key: (...parts) => prefix + parts.join(':'),
    script(name, body) {
      const command = `xpr_${name}`;
      redis.defineCommand(command, { numberOfKeys: 0, lua: PRELUDE + body });
      const fn = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
        command
      ] as (...a: unknown[]) => Promise<unknown>;
      return (...args) => fn.call(redis, prefix, ...args);
    },
    async hashes(keys) {
      if (keys.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const k of keys) pipeline.hgetall(k);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, h]) => {
        if (err) throw err;
        return h as Hash;
      });
    },
  };
}

/** A flat `[field, value, …]` reply (HGETALL inside Lua) as an object. */
export function fromPairs(flat: unknown): Hash {
  const list = flat as string[];
  const h: Hash = {};
  for (let i = 0; i + 1 < list.length; i += 2) h[list[i] as string] = list[i + 1] as string;
  return h;
}

/** An optional numeric field. */
export function optNumber(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}

/** Ids sorted as numbers (creation order). */
export function byId(ids: string[]): string[] {
  return ids.sort((a, b) => Number(a) - Number(b));
}
