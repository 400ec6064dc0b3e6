// What the load generator (generator.ts) is given and gives back: the publishes of a phase and
// how to send them, the phase's result, and the running load server. generator.ts re-exports them.

export interface Target {
  node: string;
  secret: string;
  /** Registration index (its device token is deviceToken(index)). */
  index: number;
}

export interface PhaseOptions {
  /** Publishes to send, one per target. */
  targets: Target[];
  /** Offered load (publishes/s, open loop); undefined: closed loop with `window` outstanding. */
  rate?: number;
  window?: number;
  /** Give up when no answer came for this long (after the planned sends). */
  drainMs: number;
  /**
   * Open loop only: stop sending when the planned time (targets ÷ rate) is over, even if TCP held
   * some publishes back; the rest stay unsent. Default: send them all, late.
   */
  stopAtPlannedEnd?: boolean;
  onProgress?: (answered: number) => void;
}

export interface PhaseResult {
  sent: number;
  /** Targets never written (stopAtPlannedEnd, or the stream ended). */
  unsent: number;
  results: number;
  errors: number;
  /** Error conditions seen (first child of <error/>), counted. */
  errorKinds: Record<string, number>;
  /** Sent but not answered. */
  unanswered: number;
  /** First send to last answer. */
  elapsedMs: number;
  firstSendMs: number;
  lastSendMs: number;
  /** Per publish (same order as targets): when it was written, ms on the shared clock. */
  sendTimes: Float64Array;
  /** Per publish: IQ answer latency in ms (NaN when unanswered). */
  replyMs: Float64Array;
  /** Per publish: 1 when answered with a result. */
  resultOk: Uint8Array;
  /** Times a write had to wait for the socket to drain (TCP pushing back). */
  drainWaits: number;
}

export interface LoadServer {
  port: number;
  /** Resolves once `count` components (default 1) have completed the handshake. */
  waitComponent(timeoutMs: number, count?: number): Promise<void>;
  /** Components connected now. */
  readonly connections: number;
  run(o: PhaseOptions): Promise<PhaseResult>;
  /** Bytes written by the generator so far. */
  readonly bytesOut: number;
  /** Closes the components' streams and the listener. */
  close(): Promise<void>;
}
