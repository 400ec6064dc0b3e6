// The Grafana dashboard in docs/grafana may only use metric names the process exports.
import { readFileSync } from 'node:fs';
import { expect, it } from '@jest/globals';
import { createMetrics } from '../app/metrics.js';
import { openSqliteStore } from '../store/sqlite/index.js';

it('uses only metric names that /metrics serves', async () => {
  const dashboard = JSON.parse(
    readFileSync(new URL('../docs/grafana/xmpp-push-relay.json', import.meta.url), 'utf8'),
  ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  const used = new Set(
    dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => t.expr.match(/\bxpr_[a-z0-9_]+/g) ?? []),
    ),
  );
  expect(used.size).toBeGreaterThan(5);
  const store = openSqliteStore(':memory:');
  const metrics = createMetrics({ store, xmpp: true, xmppConnected: () => true });
  // Every metric family shows its samples once something was counted.
  metrics.publish('queued');
  metrics.push(
    {
      name: 'apns',
      provider: 'apns',
      isDefault: true,
      environments: ['production'],
      voip: false,
      stateless: false,
      tigaseProviders: [],
    },
    { ok: true },
    Date.now(),
  );
  metrics.reconnected();
  const text = await metrics.text();
  await store.close();
  const served = new Set(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/[{ ]/)[0]),
  );
  expect([...used].filter((name) => !served.has(name))).toEqual([]);
});
