// Prometheus metrics (prom-client): what the component and the relay did, for /metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PublishOutcome } from '../component/publish.js';
import type { AppInfo } from '../relay/apps.js';
import type { SendResult } from '../relay/provider.js';
import type { Store } from '../store/types.js';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(o: {
  store: Store;
  xmpp: boolean;
  xmppConnected: () => boolean | undefined;
}) {
  const registry = new Registry();
  // The event loop delay is sampled by a timer: every 10 ms (prom-client's default) wakes an idle
  // process 100 times a second, a CPU cost that counts at low load; every 100 ms is enough.
  collectDefaultMetrics({ register: registry, prefix: 'xpr_', eventLoopMonitoringPrecision: 100 });
  const publishes = new Counter({
    name: 'xpr_publishes_total',
    help: 'XEP-0357 publishes answered, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const pushes = new Counter({
    name: 'xpr_pushes_total',
    help: 'Pushes handed to APNs/FCM, by app, provider, result and reason',
    labelNames: ['app', 'provider', 'result', 'reason'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'xpr_publish_to_provider_seconds',
    help: 'From the push being queued to the provider accepting it',
    labelNames: ['app', 'provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const reconnects = new Counter({
    name: 'xpr_xmpp_reconnects_total',
    help: 'Times the XMPP link came back after being lost',
    registers: [registry],
  });
  // Only a process with an XMPP component (`start`, not `relay`) has a link to report.
  if (o.xmpp) {
    new Gauge({
      name: 'xpr_xmpp_connected',
      help: '1 while the component is connected to the XMPP server',
      registers: [registry],
      collect() {
        this.set(o.xmppConnected() ? 1 : 0);
      },
    });
  }
  const depth = new Gauge({
    name: 'xpr_queue_depth',
    help: 'Pushes waiting or in flight in the delivery queue',
    registers: [registry],
  });
  const age = new Gauge({
    name: 'xpr_queue_oldest_age_seconds',
    help: 'Age of the oldest push in the delivery queue',
    registers: [registry],
  });

  return {
    registry,
    publish(outcome: PublishOutcome) {
      publishes.inc({ outcome });
    },
    push(app: AppInfo, result: SendResult, queuedAt: number, now = Date.now()) {
      const labels = { app: app.name, provider: app.provider };
      const kind = result.ok ? 'ok' : result.kind;
      pushes.inc({ ...labels, result: kind, reason: result.ok ? '' : result.reason.slice(0, 64) });
      if (result.ok) latency.observe(labels, (now - queuedAt) / 1000);
    },
    reconnected() {
      reconnects.inc();
    },
    /** The Prometheus text of every metric, the queue read fresh. */
    async text(): Promise<string> {
      const stats = await o.store.queue.stats(Date.now());
      depth.set(stats.depth);
      age.set(stats.oldestAgeMs / 1000);
      return registry.metrics();
    },
  };
}
