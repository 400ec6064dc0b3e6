// Fault suite, providers: APNs, then FCM, answering 503, 429 or nothing at all for FAULT_MS
// while 1,000 registrations (half APNs, half FCM) get RATE_PER_S publishes. Targets and what is
// measured how: ./targets.ts and ./kit.ts. Each run also checks that the other provider's pushes
// kept arriving on time meanwhile (providers are isolated).
import { afterEach, it } from '@jest/globals';
import type { ProviderFault } from '../../harness/fakes/faults.js';
import { stopAndClear } from '../../harness/stop.js';
import { describeRun, expectKept, runFault } from './kit.js';
import { MEASURE_MS } from './targets.js';
import { type FaultWorld, providerOf, startFaultWorld } from './world.js';

const started: { world?: FaultWorld } = {};
afterEach(() => stopAndClear(started));

const cases: Array<[provider: 'apns' | 'fcm', name: string, fault: ProviderFault]> = [
  ['apns', 'APNs answers 503', { kind: 'status', status: 503 }],
  ['apns', 'APNs answers 429', { kind: 'status', status: 429 }],
  ['apns', 'APNs accepts and never answers', { kind: 'hang' }],
  ['fcm', 'FCM answers 503', { kind: 'status', status: 503 }],
  ['fcm', 'FCM answers 429 with Retry-After: 10', { kind: 'status', status: 429, retryAfterS: 10 }],
  ['fcm', 'FCM accepts and never answers', { kind: 'hang' }],
  ['fcm', 'FCM answers every request 1.5 s late', { kind: 'delay', ms: 1500 }],
];

it(
  'control: without a fault every target holds',
  async () => {
    const world = await startFaultWorld();
    started.world = world;
    await world.start();
    const run = await runFault(world, {
      begin: () => undefined,
      end: () => Date.now(),
      groupOf: providerOf,
    });
    console.log(describeRun('no fault', run));
    expectKept(run, { isolated: 'apns' });
    expectKept(run, { isolated: 'fcm' });
  },
  90_000 + MEASURE_MS,
);

it.each(cases)(
  '%s: %s for the fault period: every answered publish pushed on time, service back',
  async (provider, name, fault) => {
    const world = await startFaultWorld();
    started.world = world;
    await world.start();
    const fake = provider === 'apns' ? world.apns : world.fcm;
    const run = await runFault(world, {
      begin: () => fake.faults.set(fault),
      // A provider answering Retry-After asks for calm until the last one runs out: that is
      // when its outage ends for a client that honours it.
      end: () => {
        fake.faults.set(undefined);
        return Date.now() + ('retryAfterS' in fault ? (fault.retryAfterS ?? 0) * 1000 : 0);
      },
      groupOf: providerOf,
    });
    console.log(`${describeRun(name, run)}; fake: ${JSON.stringify(fake.faults.stats)}`);
    expectKept(run, { isolated: provider === 'apns' ? 'fcm' : 'apns' });
  },
  90_000 + MEASURE_MS,
);
