// A counting semaphore, shared by the APNs connection and password hashing.

/** A counting semaphore: at most `limit` holders, the rest wait in FIFO order. */
export function createSemaphore(limit: number): {
  acquire(): Promise<void>;
  release(): void;
  /** How many wait for their turn now. */
  readonly waiting: number;
} {
  let held = 0;
  const waiting: Array<() => void> = [];
  return {
    get waiting() {
      return waiting.length;
    },
    acquire() {
      if (held < limit) {
        held += 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else held -= 1;
    },
  };
}
