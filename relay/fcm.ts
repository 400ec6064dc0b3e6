// FCM provider: Firebase Cloud Messaging HTTP v1 API (reference:
// https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send and
// https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode), sent with firebase-admin 13's
// modular API. Only `send()` is used: it goes over HTTP/1.1 through `httpAgent`, so the same code
// path reaches Google in production and a fake (via `endpoint`) in tests; `sendEach()` opens its
// own HTTP/2 session and would not be redirected. The access token comes from Google's OAuth 2.0
// service-account flow (JWT-bearer grant, RFC 7523) done through the same agent
// (./fcm-connection.ts), because firebase-admin 13's `cert(object, httpAgent)` ignores the agent
// for the token exchange.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { type App, type Credential, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging, type Message } from 'firebase-admin/messaging';
import type { Logger } from 'pino';
import { afterIo } from '../lib/deadline.js';
import { createSemaphore } from '../lib/semaphore.js';
import {
  createAgent,
  type FcmServiceAccount,
  field,
  serviceAccountCredential,
} from './fcm-connection.js';
import type { Provider, PushMessage, SendResult } from './provider.js';

export type { FcmServiceAccount };

export interface FcmOptions {
  serviceAccount: FcmServiceAccount;
  /** `https://host:port`: dial every HTTPS request (OAuth token exchange included) there instead. */
  endpoint?: string;
  /** Extra CA (PEM) trusted for the connections. */
  ca?: string;
  /** Defaults to the service-account flow through the provider's agent (see top of file). */
  credential?: Credential;
  /** Android TTL; default one day. */
  ttlSeconds?: number;
  /** firebase-admin app name; must be unique per live provider (default: a random one). */
  appName?: string;
  /**
   * Cap on open connections (one request each, HTTP/1.1); more sends queue. Sends per second are
   * at most this divided by the round trip, which includes any lag of our own event loop in
   * reading the answer. Default 128.
   */
  maxConnections?: number;
  /**
   * A send with no answer this long after it got a connection gives up (`retry`) and its
   * connections are destroyed, so that a Google endpoint that accepts requests and never answers
   * holds no sockets (firebase-admin's own limit is longer). Default 5000.
   */
  requestTimeoutMs?: number;
  log: Logger;
}

const DEAD = /^messaging\/(registration-token-not-registered|invalid-registration-token)$/;
const RETRY =
  /^(messaging\/(.*rate-exceeded|server-unavailable|internal-error)|app\/network-(error|timeout))$/;
const TRANSIENT_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|hang up|timeout|HTTP (429|5)/i;

/**
 * One send's HTTP requests (OAuth token exchange included), and the last response seen
 * (firebase-admin errors carry no headers). `expired` once the send's deadline passed.
 */
type SendTrace = {
  status?: number;
  retryAfter?: string;
  requests: Set<ClientRequest>;
  expired?: FcmTimeout;
};

/** A send's deadline passed: no code, so firebase-admin does not retry it as an I/O error. */
class FcmTimeout extends Error {
  override name = FcmTimeout.name;
}

export function createFcmProvider(options: FcmOptions): Provider {
  const { log } = options;
  const account = options.serviceAccount;
  const ttlMs = (options.ttlSeconds ?? 86400) * 1000;
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const maxConnections = options.maxConnections ?? 128;
  const agent = createAgent(options.endpoint, options.ca, maxConnections);
  // A send's deadline runs from when it may have a connection, not while it queues for one.
  const slots = createSemaphore(maxConnections);
  const credential = options.credential ?? serviceAccountCredential(account, agent);
  const app: App = initializeApp(
    { credential, projectId: field(account, 'project_id'), httpAgent: agent },
    options.appName ?? `fcm-${randomUUID()}`,
  );
  const messaging = getMessaging(app);
  const traces = new AsyncLocalStorage<SendTrace>();
  const onRequest = (event: unknown): void => {
    const request = (event as { request: ClientRequest }).request;
    const trace = traces.getStore();
    if (trace === undefined || (request as { agent?: unknown }).agent !== agent) return;
    if (trace.expired) {
      request.destroy(trace.expired);
      return;
    }
    trace.requests.add(request);
    request.once('close', () => trace.requests.delete(request));
    request.once('response', (res: IncomingMessage) => {
      trace.status = res.statusCode;
      const header = res.headers['retry-after'];
      trace.retryAfter = Array.isArray(header) ? header[0] : header;
    });
  };
  diagnosticsChannel.subscribe('http.client.request.start', onRequest);
  let closed = false;

  return {
    name: 'fcm',
    maxInFlight: maxConnections,
    async send(message: PushMessage): Promise<SendResult> {
      if (closed) return { ok: false, kind: 'retry', reason: 'FCM provider closed' };
      await slots.acquire();
      const trace: SendTrace = { requests: new Set() };
      const started = Date.now();
      try {
        if (closed) return { ok: false, kind: 'retry', reason: 'FCM provider closed' };
        const sending = traces.run(trace, () => messaging.send(buildMessage(message, ttlMs)));
        const id = await withDeadline(sending, trace, timeoutMs);
        log.debug({ messageId: id, ms: Date.now() - started }, 'fcm: sent');
        return { ok: true };
      } catch (err) {
        const result = classify(err, trace, message.deviceToken);
        const ms = Date.now() - started;
        log.warn({ kind: result.kind, status: trace.status, ms }, `fcm: ${result.reason}`);
        return result;
      } finally {
        slots.release();
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      diagnosticsChannel.unsubscribe('http.client.request.start', onRequest);
      try {
        await deleteApp(app);
      } finally {
        agent.destroy();
      }
    },
  };
}

/** The FCM v1 message: data only (values are strings), content fields only when present. */
export function buildMessage(message: PushMessage, ttlMs: number): Message {
  const n = message.notification;
  const data: Record<string, string> = { type: n.call ? 'call' : 'push' };
  if (n.messageCount !== undefined) data['message-count'] = String(n.messageCount);
  if (n.lastSender !== undefined) data.sender = n.lastSender;
  if (n.lastBody !== undefined) data.body = n.lastBody;
  if (n.account !== undefined) data.account = n.account;
  if (n.encrypted !== undefined) {
    data.encrypted = n.encrypted.payload;
    if (n.encrypted.attributes.iv !== undefined) data.iv = n.encrypted.attributes.iv;
  }
  if (n.call?.sid !== undefined) data.sid = n.call.sid;
  if (n.call?.media !== undefined) data.media = n.call.media.join(',');
  if (n.data !== undefined) data.data = n.data;
  return {
    token: message.deviceToken,
    data,
    android: {
      priority: n.priority === 'high' ? 'high' : 'normal',
      ttl: ttlMs,
      ...(message.collapseId !== undefined ? { collapseKey: message.collapseId } : {}),
    },
  };
}

/**
 * The send's outcome, or FcmTimeout after `ms` (an answer already waiting unread then still
 * counts: ../lib/deadline.ts): then every request of the send is destroyed (freeing its socket),
 * and any request it starts later too.
 */
function withDeadline<T>(sending: Promise<T>, trace: SendTrace, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = afterIo(ms, () => {
      if (settled) return;
      trace.expired = new FcmTimeout(`no answer from FCM within ${ms} ms`);
      for (const request of trace.requests) request.destroy(trace.expired);
      reject(trace.expired);
    });
  });
  const done = () => {
    settled = true;
  };
  sending.then(done, done);
  return Promise.race([sending, deadline]).finally(() => clearTimeout(timer));
}

type Failure = Exclude<SendResult, { ok: true }>;

function classify(err: unknown, trace: SendTrace, deviceToken: string): Failure {
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : err instanceof FcmTimeout ? 'timeout' : 'unknown';
  const text = err instanceof Error ? err.message : String(err);
  const reason = `${code}: ${deviceToken ? text.split(deviceToken).join('<token>') : text}`;
  const badToken = code === 'messaging/invalid-argument' && /registration token/i.test(text);
  if (DEAD.test(code) || badToken) return { ok: false, kind: 'dead', reason };
  const status = trace.status ?? 0;
  const transient =
    // Our deadline; a Retry-After firebase-admin was waiting out (503) is still honoured below.
    code === 'timeout' ||
    RETRY.test(code) ||
    // Token exchange failures are transient when the network or the token endpoint failed.
    (code === 'app/invalid-credential' && TRANSIENT_TEXT.test(text)) ||
    (code === 'messaging/unknown-error' && (status === 429 || status >= 500));
  if (!transient) return { ok: false, kind: 'rejected', reason };
  const retryAfterMs = parseRetryAfter(trace.retryAfter);
  return retryAfterMs === undefined
    ? { ok: false, kind: 'retry', reason }
    : { ok: false, kind: 'retry', reason, retryAfterMs };
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
