// Logging an error that repeats (every publish failing while the store is away) as one line per
// kind and window, with a count, instead of one line and stack per request.
import type { Logger } from './log.js';

export interface RepeatedErrors {
  /** Logs `err` at error level unless the same message and error were logged within the window. */
  error(err: unknown, fields: Record<string, unknown>, msg: string): void;
}

/** Kinds of error tracked at once; past it a new kind is counted under the oldest one. */
const KINDS = 100;

export function repeatedErrors(log: Logger, windowMs = 10_000): RepeatedErrors {
  const kinds = new Map<string, { skipped: number; timer: NodeJS.Timeout }>();
  return {
    error(err, fields, msg) {
      const e = err as { name?: string; message?: string };
      const kind = `${msg}\u0000${e?.name}\u0000${e?.message}`;
      const known = kinds.get(kind);
      if (known) {
        known.skipped++;
        return;
      }
      log.error({ ...fields, err }, msg);
      if (kinds.size >= KINDS) {
        const [oldest, entry] = kinds.entries().next().value as [string, { timer: NodeJS.Timeout }];
        clearTimeout(entry.timer);
        kinds.delete(oldest);
      }
      const entry = {
        skipped: 0,
        timer: setTimeout(() => {
          kinds.delete(kind);
          if (entry.skipped > 0) {
            log.error(
              { ...fields, reason: e?.message, repeated: entry.skipped, windowMs },
              `${msg} (${entry.skipped} more times)`,
            );
          }
        }, windowMs).unref(),
      };
      kinds.set(kind, entry);
    },
  };
}
