// One clock for every bench process: CLOCK_MONOTONIC (process.hrtime) is system-wide on Linux,
// so times taken in the generator and in the fake APNs child compare directly.
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}
