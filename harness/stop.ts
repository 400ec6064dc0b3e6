// A test's cleanup: what it started, stopped in order, each part given a bounded time. A part that
// fails or does not stop in time does not keep the others running; the cleanup then fails naming
// it, instead of jest's hook timeout saying only that the whole cleanup took too long.

/** Something a test started: a server, a world, a load. */
export type Stoppable = { stop(): Promise<unknown> } | { close(): Promise<unknown> };

/** How long one part may take to stop (our processes get SIGKILL 5 s after SIGTERM). */
export const STOP_MS = 20_000;

/**
 * Stops each part in the order given (parts left undefined were never started), at most `ms`
 * each, and goes on past a part that fails or hangs; then throws naming every such part.
 */
export async function stopInOrder(
  parts: Record<string, Stoppable | undefined>,
  ms = STOP_MS,
): Promise<void> {
  const failed: string[] = [];
  for (const [name, part] of Object.entries(parts)) {
    if (!part) continue;
    const began = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`${name} did not stop within ${ms} ms`), ms);
    });
    const stopped = ('stop' in part ? part.stop() : part.close()).then(
      () => undefined,
      (err: unknown) =>
        `${name} failed to stop after ${Date.now() - began} ms: ${err instanceof Error ? err.message : String(err)}`,
    );
    const why = await Promise.race([stopped, hung]);
    clearTimeout(timer);
    if (why) failed.push(why);
  }
  if (failed.length > 0) throw new Error(`cleanup: ${failed.join('; ')}`);
}

/**
 * stopInOrder() on what a test file's `started` holds, emptied first: the next test starts with
 * nothing, and a part its test never got to is not stopped twice.
 */
export function stopAndClear(started: Record<string, Stoppable | undefined>): Promise<void> {
  const parts = { ...started };
  for (const key of Object.keys(started)) delete started[key];
  return stopInOrder(parts);
}
