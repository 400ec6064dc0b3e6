// Follows Redis Sentinel's `+switch-master` announcements (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#pubsub-messages):
// when the master named `name` moves elsewhere than where `redis` is connected, reconnect it now
// (ioredis asks the sentinels for the master again) instead of at its next refused write.
//
// Every sentinel announces a failover once it learns of it, some seconds apart. The detector of
// ioredis (`failoverDetector`) reconnects on each announcement, even once on the new master:
// each reconnection fails the commands in flight, and, with no offline queue, every command sent
// meanwhile. This one reconnects only when the announced master is not the connected one.
import { Redis } from 'ioredis';

export interface SentinelAddress {
  host: string;
  port: number;
}

/** Subscribes to every sentinel; returns what ends the subscriptions. */
export function followFailovers(
  redis: Redis,
  sentinels: SentinelAddress[],
  name: string,
  sentinelPassword?: string,
): () => void {
  const subscribers = sentinels.map(({ host, port }) => {
    const sub = new Redis({
      host,
      port,
      password: sentinelPassword,
      lazyConnect: true,
      // A sentinel away is retried for ever, at least every 500 ms.
      retryStrategy: (times) => Math.min(times * 50, 500),
      maxRetriesPerRequest: null,
    });
    sub.on('error', () => undefined);
    sub.on('message', (_channel: string, message: string) => {
      // `<name> <old ip> <old port> <new ip> <new port>`
      const [master, , , ip, newPort] = message.split(' ');
      if (master !== name || redis.status !== 'ready') return;
      const stream = redis.stream;
      if (stream?.remoteAddress === ip && String(stream.remotePort) === newPort) return;
      redis.disconnect(true);
    });
    sub.subscribe('+switch-master').catch(() => undefined);
    return sub;
  });
  return () => {
    for (const sub of subscribers) sub.disconnect();
  };
}
