// Backpressure on the XMPP link: past a bound of IQs in flight, stop reading the socket until
// half of them are answered. A server sending faster than we can queue is then slowed by TCP
// (its own send buffer fills) instead of by our memory; nothing is refused or dropped.

/** The socket of the link, when connected (it changes on reconnect). */
type Link = { socket: { pause(): unknown; resume(): unknown } | null };

export interface Gate {
  /** Runs one request, counting it in flight while it runs. */
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
  readonly paused: boolean;
}

export function backpressureGate(
  link: Link,
  max: number,
  /** Told when reading stops (`true`) and starts again. */
  onPause?: (paused: boolean) => void,
): Gate {
  let inFlight = 0;
  let paused = false;
  return {
    async run(work) {
      inFlight += 1;
      if (!paused && inFlight >= max) {
        paused = true;
        link.socket?.pause();
        onPause?.(true);
      }
      try {
        return await work();
      } finally {
        inFlight -= 1;
        if (paused && inFlight <= max / 2) {
          paused = false;
          link.socket?.resume();
          onPause?.(false);
        }
      }
    },
    get inFlight() {
      return inFlight;
    },
    get paused() {
      return paused;
    },
  };
}
