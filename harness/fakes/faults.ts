// Provider-wide faults for the fake APNs and FCM, switchable at run time (the fault suite,
// test/faults/*): every send is answered with an error status, or accepted and never answered,
// for a period. Also the log of every push a fake delivered, with its time.

/** What a provider does to every send while the fault lasts. */
export type ProviderFault =
  /** Answer with this HTTP status (503, 429, …), with a Retry-After header when given. */
  | { kind: 'status'; status: number; retryAfterS?: number }
  /** Read the request and never answer it (the stream or request stays open). */
  | { kind: 'hang' };

export interface Delivery {
  deviceToken: string;
  /** Date.now() when the fake accepted it. */
  at: number;
  payload: unknown;
}

export interface FaultSwitch {
  /** Starts `fault` now (undefined ends it); with `forMs`, it ends by itself after that long. */
  set(fault: ProviderFault | undefined, forMs?: number): void;
  /** The fault in force now, if any. */
  current(): ProviderFault | undefined;
  /** Every push answered with success, in order. */
  readonly deliveries: Delivery[];
  /** Sends the fault answered with an error status, and sends left hanging. */
  readonly stats: { failed: number; hung: number };
}

export function createFaultSwitch(): FaultSwitch {
  let fault: ProviderFault | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    set(f, forMs) {
      clearTimeout(timer);
      fault = f;
      if (f && forMs !== undefined) {
        timer = setTimeout(() => {
          fault = undefined;
        }, forMs);
        timer.unref();
      }
    },
    current: () => fault,
    deliveries: [],
    stats: { failed: 0, hung: 0 },
  };
}
