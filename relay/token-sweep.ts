// Expired whitelist tokens are refused as soon as they expire; this sweep removes them from the
// store (with the registrations and collected tokens pointing at them) so they do not pile up.
import type { Logger } from '../lib/log.js';
import type { RelayService } from './service.js';

/** How often the running process purges expired tokens. */
export const SWEEP_EVERY_MS = 3_600_000;

/** Purges now and then every `everyMs`; a failed sweep is logged and tried at the next one. */
export function startTokenSweep(o: {
  service: Pick<RelayService, 'purgeExpiredTokens'>;
  log: Logger;
  everyMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= o.service
      .purgeExpiredTokens()
      .then((n) => {
        if (n > 0) o.log.info({ purged: n }, 'purged expired whitelist tokens');
      })
      .catch((err: unknown) => {
        o.log.warn({ reason: (err as Error).message }, 'could not purge expired tokens');
      })
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, o.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return {
    /** Stops sweeping, once the sweep under way (if any) is over. */
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
