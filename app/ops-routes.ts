// GET /healthz and GET /metrics on the relay's HTTP server, for admins and their monitoring.
import type { FastifyInstance } from 'fastify';
import type { Connection } from '../component/connection.js';
import type { Apps } from '../relay/apps.js';
import type { ConfigSuspect } from '../relay/config-suspects.js';
import type { Store } from '../store/types.js';
import type { Metrics } from './metrics.js';

export function opsRoutes(
  app: FastifyInstance,
  o: {
    store: Store;
    component?: Connection;
    metrics: Metrics;
    apps: Apps;
    configSuspects?: () => ConfigSuspect[];
  },
): void {
  app.get('/healthz', async (_req, reply) => {
    const store = await o.store.ping().then(
      () => 'up',
      () => 'down',
    );
    const xmpp = o.component ? (o.component.online ? 'up' : 'down') : 'not configured';
    const ok = store === 'up' && xmpp !== 'down';
    const queue = store === 'up' ? await o.store.queue.stats(Date.now()) : undefined;
    const suspects = new Map((o.configSuspects?.() ?? []).map((s) => [s.app, configProblem(s)]));
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
        ...(suspects.has(a.name) && { config: suspects.get(a.name) }),
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

/** Why an app's configuration looks wrong, in the words /healthz shows. */
const configProblem = (s: ConfigSuspect): string =>
  `looks wrong since ${new Date(s.since).toISOString()}: APNs answers ${s.reason} for devices that never received a push (check topic, key and environment)`;
