// Provider-wide faults for the fake APNs and FCM, switchable at run time (the fault suite,
// test/faults/*): every send is answered with an error status, or accepted and never answered,
// for a period. Also the log of every push a fake delivered, with its time.

/** What a provider does to every send while the fault lasts. */
export type ProviderFault =
  /** Answer with this HTTP status (503, 429, …), with a Retry-After header when given. */
  | { kind: 'status'; status: number; retryAfterS?: number }
  /** Read the request and never answer it (the stream or request stays open). */
  | { kind: 'hang' }
  /** Hold the request until the fault ends, then answer it as usual (a stalled provider). */
  | { kind: 'hold' }
  /** Answer every request as usual, `ms` late (a slow provider). */
  | { kind: 'delay'; ms: number };

export interface Delivery {
  deviceToken: string;
  /** Date.now() when the fake accepted it. */
  at: number;
  payload: unknown;
  /** The sender's TCP port: which connection, and so which of our processes, sent it. */
  conn: number;
}

export interface FaultSwitch {
  /** Starts `fault` now (undefined ends it); with `forMs`, it ends by itself after that long. */
  set(fault: ProviderFault | undefined, forMs?: number): void;
  /** The fault in force now, if any. */
  current(): ProviderFault | undefined;
  /** Resolves when the fault in force now ends (at once without one). */
  over(): Promise<void>;
  /** Every push answered with success, in order. */
  readonly deliveries: Delivery[];
  /** Sends the fault answered with an error status, sends left hanging, and sends delayed. */
  readonly stats: { failed: number; hung: number; delayed: number };
}

export function createFaultSwitch(): FaultSwitch {
  let fault: ProviderFault | undefined;
  let timer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];
  const end = (next: ProviderFault | undefined) => {
    fault = next;
    for (const done of waiting) done();
    waiting = [];
  };
  return {
    set(f, forMs) {
      clearTimeout(timer);
      end(f);
      if (f && forMs !== undefined) {
        timer = setTimeout(() => end(undefined), forMs);
        timer.unref();
      }
    },
    current: () => fault,
    over: () => (fault ? new Promise<void>((r) => waiting.push(r)) : Promise.resolve()),
    deliveries: [],
    stats: { failed: 0, hung: 0, delayed: 0 },
  };
}
