// The no-op ceiling: the bench's generator against a component that answers without doing anything.
import { fileURLToPath } from 'node:url';
import { forkChild } from './children.js';
import { startLoadServer, type Target } from './generator.js';
import { COMPONENT_DOMAIN } from './our-process.js';
import { type PhaseStats, runPhase } from './phase.js';
import { type Bench, SECRET } from './setup.js';

export interface NoopCeiling {
  /** The measured run. */
  fixed: PhaseStats;
  /** Its publishes. */
  count: number;
}

/** Stand-ins of the same sizes as real node/secret pairs, for the no-op component. */
function noopTargets(n: number): Target[] {
  return Array.from({ length: n }, (_, i) => ({
    node: `noop${String(i).padStart(18, '0')}`,
    secret: i.toString(16).padStart(40, '0'),
    index: i,
  }));
}

export async function runNoopCeiling(bench: Bench): Promise<NoopCeiling> {
  const o = bench.options;
  const { drainMs, deliveryMs } = bench;
  // 3. The no-op ceiling: same generator, a component that answers without doing anything.
  const noopGen = await startLoadServer({
    domain: COMPONENT_DOMAIN,
    secret: SECRET,
    serverDomain: 'localhost',
    parser: o.parser,
  });
  const noop = forkChild(
    'no-op component',
    fileURLToPath(new URL('./noop-component.js', import.meta.url)),
    [String(noopGen.port), COMPONENT_DOMAIN, SECRET],
  );
  await noopGen.waitComponent(10_000);
  const noopPids = { generator: process.pid, noop: noop.pid };
  // The no-op answers a publish in tens of µs: fewer than 20,000 would measure its start-up.
  const noopCount = Math.max(o.count, 20_000);
  await runPhase({
    label: 'no-op component: warm-up',
    gen: noopGen,
    targets: noopTargets(5000),
    window: o.window,
    pids: noopPids,
    drainMs,
    deliveryMs,
  });
  const noopFixed = await runPhase({
    label: `no-op component: ${noopCount} publishes`,
    gen: noopGen,
    targets: noopTargets(noopCount),
    window: o.window,
    pids: noopPids,
    memPid: noop.pid,
    drainMs,
    deliveryMs,
  });
  await noop.stop();
  await noopGen.close();
  return { fixed: noopFixed, count: noopCount };
}
