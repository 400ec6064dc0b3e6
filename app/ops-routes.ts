// GET /healthz and GET /metrics on the relay's HTTP server, for admins and their monitoring.
import type { FastifyInstance } from 'fastify';
import type { Connection } from '../component/connection.js';
import type { Apps } from '../relay/apps.js';
import type { Store } from '../store/types.js';
import type { Metrics } from './metrics.js';

export function opsRoutes(
  app: FastifyInstance,
  o: { store: Store; component?: Connection; metrics: Metrics; apps: Apps },
): void {
  app.get('/healthz', async (_req, reply) => {
    const store = await o.store.ping().then(
      () => 'up',
      () => 'down',
    );
    const xmpp = o.component ? (o.component.online ? 'up' : 'down') : 'not configured';
    const ok = store === 'up' && xmpp !== 'down';
    const queue = store === 'up' ? await o.store.queue.stats(Date.now()) : undefined;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unhealthy',
      xmpp,
      store,
      apps: o.apps.list.map((a) => ({
        name: a.name,
        provider: a.provider,
        ...(a.isDefault && { default: true }),
        ...(a.environments.length > 0 && { environments: a.environments }),
        ...(a.voip && { voip: true }),
        ...(a.stateless && { stateless: true }),
      })),
      ...(queue && {
        queue: { depth: queue.depth, oldest_age_s: Math.round(queue.oldestAgeMs / 1000) },
      }),
    });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', o.metrics.registry.contentType).send(await o.metrics.text()),
  );
}
