// The fault runs' Redis: the test launcher (../servers/redis.ts) with its AOF on.
import { type RedisServer, startRedis } from '../servers/redis.js';

export type AofRedis = RedisServer;

export const startAofRedis = (): Promise<AofRedis> => startRedis({ aof: true });
