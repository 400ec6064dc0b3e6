// The bench's command-line options: their usage text, defaults and checks.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ParserKind } from './generator.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The ramp step whose CPU per publish is reported. */
export const CPU_RATE = 200;

export const USAGE = `Usage: npm run bench -- [options]
  --quick              short run (3,000 publishes, short ramp, 120,000 registrations, 50 users)
  --json FILE          write the results as JSON (default bench-results/results.json)
  --svg FILE           latency chart (default bench-results/latency.svg)
  --count N            publishes of the fixed-count run (default 20000; quick 3000)
  --window N           publishes outstanding in the fixed-count run (default 1000)
  --rates LIST         offered loads of the ramp, publishes/s (default
                       200,250,500,1000,2000,5000,10000; quick 200,500,1000,5000)
  --step-s S           seconds per ramp step (default 4; quick 2)
  --cpu-step-s S       seconds of the ${CPU_RATE}/s step (default 10; quick 4)
  --overload-rate N    offered publishes/s of the overload phase (default 20000)
  --overload-s S       seconds of the overload phase (default 10; quick 5; 0: none)
  --registrations N    registrations stored before start (default 1000000; quick 100000, or
                       as many as the phases need when that is more)
  --users N            Prosody mode users (default 500; quick 50)
  --messages N         Prosody mode offline messages (default 4 per user)
  --burst N            Prosody mode: offline messages of each burst (default 5000; quick 2000;
                       0: none)
  --parser ltx|scan    how the generator reads answers: ltx's streaming parser (default) or a
                       regular expression over start tags
  --no-prosody         skip the Prosody mode
  --no-redis           skip the Redis runs
  --profile            run our process under --cpu-prof (profiles in bench-results/profiles)
  -h, --help`;

export interface Options {
  quick: boolean;
  json: string;
  svg: string;
  count: number;
  window: number;
  rates: number[];
  stepS: number;
  cpuStepS: number;
  overloadRate: number;
  overloadS: number;
  /** Explicit --registrations, else undefined (the default depends on what the phases need). */
  registrations?: number;
  users: number;
  messages: number;
  burst: number;
  parser: ParserKind;
  prosody: boolean;
  redis: boolean;
  profile: boolean;
}

/** The options in `argv`, or undefined for --help; throws on a bad one. */
export function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      svg: { type: 'string' },
      count: { type: 'string' },
      window: { type: 'string' },
      rates: { type: 'string' },
      'step-s': { type: 'string' },
      'cpu-step-s': { type: 'string' },
      'overload-rate': { type: 'string' },
      'overload-s': { type: 'string' },
      registrations: { type: 'string' },
      users: { type: 'string' },
      messages: { type: 'string' },
      burst: { type: 'string' },
      parser: { type: 'string' },
      'no-prosody': { type: 'boolean' },
      'no-redis': { type: 'boolean' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const int = (v: string | undefined, dflt: number, min: number, max: number, name: string) => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name}: expected an integer from ${min} to ${max}`);
    }
    return n;
  };
  const rates = (values.rates ?? (quick ? '200,500,1000,5000' : '200,250,500,1000,2000,5000,10000'))
    .split(',')
    .map((r) => int(r.trim(), 0, 1, 100_000, 'rates'));
  const parser = values.parser ?? 'ltx';
  if (parser !== 'scan' && parser !== 'ltx') throw new Error('--parser: scan or ltx');
  const users = int(values.users, quick ? 50 : 500, 1, 5000, 'users');
  return {
    quick,
    json: resolve(values.json ?? join(ROOT, 'bench-results/results.json')),
    svg: resolve(values.svg ?? join(ROOT, 'bench-results/latency.svg')),
    count: int(values.count, quick ? 3000 : 20_000, 1, 1_000_000, 'count'),
    window: int(values.window, 1000, 1, 100_000, 'window'),
    rates,
    stepS: int(values['step-s'], quick ? 2 : 4, 1, 60, 'step-s'),
    cpuStepS: int(values['cpu-step-s'], quick ? 4 : 10, 1, 60, 'cpu-step-s'),
    overloadRate: int(values['overload-rate'], 20_000, 1, 100_000, 'overload-rate'),
    overloadS: int(values['overload-s'], quick ? 5 : 10, 0, 60, 'overload-s'),
    registrations:
      values.registrations === undefined
        ? undefined
        : int(values.registrations, 0, 1, 5_000_000, 'registrations'),
    users,
    messages: int(values.messages, users * (quick ? 2 : 4), 1, 100_000, 'messages'),
    burst: int(values.burst, quick ? 2000 : 5000, 0, 100_000, 'burst'),
    parser,
    prosody: !values['no-prosody'],
    redis: !values['no-redis'],
    profile: values.profile ?? false,
  };
}

/** Seconds of the ramp step at `rate`: the CPU step is longer. */
export function stepSeconds(o: Options, rate: number): number {
  return rate === CPU_RATE ? o.cpuStepS : o.stepS;
}
