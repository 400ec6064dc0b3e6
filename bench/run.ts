// `npm run bench [-- --quick] [--json FILE] [--svg FILE] …`: the operators' numbers.
// See bench/README.md for what each number means.
import { cleanupAll } from './children.js';
import { runDirectLoad } from './direct-load.js';
import { runNoopCeiling } from './noop-ceiling.js';
import { type Options, parseOptions, USAGE } from './options.js';
import { type ProsodyResult, prosodyAvailable, runProsodyMode } from './prosody-mode.js';
import { type RedisResult, runRedisMode } from './redis-mode.js';
import { say } from './report.js';
import { type Bench, RATE_PER_MINUTE, SECRET, setUp } from './setup.js';
import { report } from './summary.js';

async function main(): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  const bench = await setUp(opts);
  const noop = await runNoopCeiling(bench);
  const direct = await runDirectLoad(bench);
  const redis = opts.redis ? await runRedis(bench) : undefined;
  const { prosody, prosodySkipped } = await runProsody(bench);
  await bench.fake.close();
  report(bench, { noop, direct, redis, prosody, prosodySkipped });
  return 0;
}

function runRedis(bench: Bench): Promise<RedisResult> {
  // 5. The Redis store: one process, then two sharing it.
  const o = bench.options;
  return runRedisMode({
    count: o.count,
    warmup: bench.warmup,
    window: o.window,
    parser: o.parser,
    secret: SECRET,
    fake: bench.fake,
    key: bench.key,
    ratePerMinute: RATE_PER_MINUTE,
    drainMs: bench.drainMs,
    deliveryMs: bench.deliveryMs,
  });
}

/** The Prosody mode, or why it was skipped (said as well). */
async function runProsody(
  bench: Bench,
): Promise<{ prosody?: ProsodyResult; prosodySkipped?: string }> {
  const o = bench.options;
  const { fake, key } = bench;
  // 6. Through a real Prosody.
  let prosody: ProsodyResult | undefined;
  let prosodySkipped: string | undefined;
  if (!o.prosody) prosodySkipped = '--no-prosody';
  else if (!prosodyAvailable()) prosodySkipped = 'prosody or prosody-modules not installed';
  else {
    prosody = await runProsodyMode({
      users: o.users,
      messages: o.messages,
      fake,
      key,
      ratePerMinute: RATE_PER_MINUTE,
      burstMessages: o.burst,
      deadlineMs: o.quick ? 60_000 : 300_000,
    });
  }
  if (prosodySkipped) say(`Prosody mode skipped: ${prosodySkipped}`);
  return { prosody, prosodySkipped };
}

let interrupted = false;
const onSignal = (signal: string) => {
  if (interrupted) return;
  interrupted = true;
  say(`${signal}: stopping and cleaning up…`);
  void cleanupAll().finally(() => process.exit(130));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGHUP', () => onSignal('SIGHUP'));

main()
  .catch((err) => {
    // After Ctrl-C the children stop too, and what was running fails: that is expected.
    if (!interrupted) say(`bench failed: ${(err as Error).stack ?? err}`);
    return interrupted ? 130 : 1;
  })
  .then(async (code) => {
    if (interrupted) return; // the signal handler cleans up and exits
    const problems = await cleanupAll();
    for (const p of problems) say(`cleanup: ${p}`);
    process.exit(code);
  });
