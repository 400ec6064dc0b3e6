// A fake APNs speaking the real wire protocol (HTTP/2 over TLS, token auth with ES256 JWTs),
// after Apple's "Sending notification requests to APNs". Test/benchmark/demo use only: no jest here.
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { everyConnection } from '../servers/ports.js';
import { testTls } from '../tls.js';
import { checkRequest, type FakeApnsResponse, type Trust } from './apns-checks.js';
import { createFaultSwitch, type FaultSwitch } from './faults.js';

export type { FakeApnsResponse };

export interface ApnsTestKey {
  /** PEM of an EC P-256 PKCS#8 private key, like a real .p8 file. */
  key: string;
  keyId: string;
  teamId: string;
}

export function createTestApnsKey(): ApnsTestKey {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key, keyId: 'ABC123DEFG', teamId: 'TEAM123456' };
}

let sharedKey: ApnsTestKey | undefined;
/** One test key per process: the default the fake trusts. */
export function testApnsKey(): ApnsTestKey {
  sharedKey ??= createTestApnsKey();
  return sharedKey;
}

const RECORDED_HEADERS = [
  'apns-topic',
  'apns-push-type',
  'apns-priority',
  'apns-collapse-id',
  'apns-expiration',
] as const;

export interface RecordedApnsRequest {
  deviceToken: string;
  /** The key id (`kid`) of the provider token that signed the request. */
  keyId: string;
  headers: Partial<Record<(typeof RECORDED_HEADERS)[number], string>>;
  payload: unknown;
  /** The status the fake answered with (200 unless a response was injected). */
  status: number;
}

export interface FakeApns {
  url: string;
  port: number;
  /** PEM of the server certificate, to trust as the only CA. */
  ca: string;
  /** Every request that passed authentication, in arrival order. */
  requests: RecordedApnsRequest[];
  /** Highest number of streams open at once, over the server's lifetime. */
  readonly maxConcurrent: number;
  waitFor(
    countOrPredicate: number | ((r: RecordedApnsRequest) => boolean),
    timeoutMs?: number,
  ): Promise<RecordedApnsRequest[]>;
  /** Answer every request for `token` with `response` (undefined restores 200). */
  setResponse(token: string, response: FakeApnsResponse | undefined): void;
  /** Answer the next `n` requests for `token` with `response`, then go back to normal. */
  failNext(token: string, n: number, response: FakeApnsResponse): void;
  /** Hold every response this long (to make concurrency observable). */
  setDelay(ms: number): void;
  /** Provider-wide faults (every device) and the log of delivered pushes with their times. */
  faults: FaultSwitch;
  close(): Promise<void>;
}

export interface FakeApnsOptions {
  keyId?: string;
  teamId?: string;
  /** Public key (or the private key to derive it from), PEM or crypto.KeyObject. */
  publicKey?: string | crypto.KeyObject;
}

export async function startFakeApns(opts: FakeApnsOptions = {}): Promise<FakeApns> {
  const def = testApnsKey();
  const trust: Trust = {
    publicKey: crypto.createPublicKey(opts.publicKey ?? def.key),
    keyId: opts.keyId ?? def.keyId,
    teamId: opts.teamId ?? def.teamId,
    verified: new Set(),
  };
  const tls = testTls();
  const events = new EventEmitter();
  const requests: RecordedApnsRequest[] = [];
  const fixed = new Map<string, FakeApnsResponse>();
  const queued = new Map<string, FakeApnsResponse[]>();
  let delayMs = 0;
  const faults = createFaultSwitch();
  let open = 0;
  let maxConcurrent = 0;

  const server = http2.createSecureServer({ key: tls.key, cert: tls.cert });
  const connections = everyConnection(server);

  function reply(
    stream: http2.ServerHttp2Stream,
    res: FakeApnsResponse,
    apnsId: string,
    extra: http2.OutgoingHttpHeaders = {},
  ): void {
    const ok = res.status === 200;
    const headers = { ':status': res.status, 'apns-id': apnsId, ...extra };
    const reason = res.reason ?? 'InternalServerError';
    const body = res.status === 410 ? { reason, timestamp: Date.now() } : { reason };
    setTimeout(() => {
      if (stream.destroyed || stream.closed) return;
      if (ok) return stream.respond(headers, { endStream: true });
      stream.respond({ ...headers, 'content-type': 'application/json' });
      stream.end(JSON.stringify(body));
    }, delayMs);
  }

  server.on('stream', (stream, headers) => {
    open += 1;
    maxConcurrent = Math.max(maxConcurrent, open);
    stream.on('close', () => {
      open -= 1;
    });
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const apnsId =
        (headers['apns-id'] as string | undefined) ?? crypto.randomUUID().toUpperCase();
      const checked = checkRequest(headers, Buffer.concat(chunks), trust);
      if ('error' in checked) return reply(stream, checked.error, apnsId);
      const { deviceToken, payload, keyId } = checked;
      const answer = () => {
        const res = queued.get(deviceToken)?.shift() ?? fixed.get(deviceToken) ?? { status: 200 };
        const recorded = Object.fromEntries(
          RECORDED_HEADERS.flatMap((n) =>
            typeof headers[n] === 'string' ? [[n, headers[n]]] : [],
          ),
        );
        const record = { deviceToken, keyId, headers: recorded, payload, status: res.status };
        requests.push(record);
        events.emit('request', record);
        if (res.status === 200) {
          const conn = stream.session?.socket?.remotePort ?? 0;
          faults.deliveries.push({ deviceToken, at: Date.now(), payload, conn });
        }
        reply(stream, res, apnsId);
      };
      if (!faultAnswer(stream, apnsId, answer)) answer();
    });
  });

  // ---- Provider-wide faults (faults.ts): true when the fault took care of the request ----
  const FAULT_REASONS: Record<number, string> = {
    429: 'TooManyRequests',
    500: 'InternalServerError',
    503: 'ServiceUnavailable',
  };
  function faultAnswer(
    stream: http2.ServerHttp2Stream,
    apnsId: string,
    answer: () => void,
  ): boolean {
    const fault = faults.current();
    if (!fault) return false;
    if (fault.kind === 'delay') {
      faults.stats.delayed++;
      setTimeout(answer, fault.ms);
      return true;
    }
    if (fault.kind === 'hang' || fault.kind === 'hold') {
      faults.stats.hung++;
      if (fault.kind === 'hold') void faults.over().then(answer);
      return true;
    }
    faults.stats.failed++;
    const res = { status: fault.status, reason: FAULT_REASONS[fault.status] };
    const retry =
      fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) };
    reply(stream, res, apnsId, retry);
    return true;
  }
  // ---- end of provider-wide faults ----

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    ca: tls.cert,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    waitFor(want, timeoutMs = 5000) {
      const select = (): RecordedApnsRequest[] | undefined => {
        if (typeof want === 'number') return requests.length >= want ? requests.slice() : undefined;
        const hits = requests.filter(want);
        return hits.length > 0 ? hits : undefined;
      };
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hits = select();
          if (!hits) return;
          clearTimeout(timer);
          events.off('request', check);
          resolve(hits);
        };
        const timer = setTimeout(() => {
          events.off('request', check);
          reject(new Error(`fake APNs: timed out after ${timeoutMs} ms (${requests.length} seen)`));
        }, timeoutMs);
        events.on('request', check);
        check();
      });
    },
    setResponse(token, response) {
      if (response) fixed.set(token, response);
      else fixed.delete(token);
    },
    failNext(token, n, response) {
      const list = queued.get(token) ?? [];
      for (let i = 0; i < n; i += 1) list.push(response);
      queued.set(token, list);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    faults,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        connections.destroyAll();
      });
    },
  };
}
