// APNs provider: token-based (.p8, ES256 JWT) HTTP/2 requests to APNs, following Apple's
// "Sending notification requests to APNs" and "Handling notification responses from APNs"
// (developer.apple.com/documentation/usernotifications). Transport: @parse/node-apn.
import apn from '@parse/node-apn';
import type { Logger } from 'pino';
import { createSemaphore } from '../lib/semaphore.js';
import type { Notification } from './notification.js';
import type { Provider, PushMessage, SendResult } from './provider.js';

export interface ApnsOptions {
  /** PEM text of the .p8 signing key. Never logged. */
  key: string;
  keyId: string;
  teamId: string;
  /** The default apns-topic (an app's bundle id); a message may name another. */
  topic: string;
  environment: 'production' | 'sandbox';
  /** Overrides the APNs host, e.g. https://127.0.0.1:8443 (staging, tests). */
  endpoint?: string;
  /** PEM of a CA to trust for `endpoint` (replaces the default roots). */
  ca?: string;
  /** Most concurrent requests on the connection (default 1000). */
  maxInFlight?: number;
  /** A request with no answer this long fails as `retry` (node-apn's requestTimeout; default 5000). */
  requestTimeoutMs?: number;
  /** apns-expiration, seconds from now (default 86400). */
  expirySeconds?: number;
  log: Logger;
}

const GENERIC_TITLE = 'New message';
const SHUTDOWN_TIMEOUT_MS = 2000;
const DEAD_400_REASONS = new Set(['BadDeviceToken', 'DeviceTokenNotForTopic']);

/**
 * The JSON payload (aps dictionary plus the relay's custom keys). An encrypted payload goes as
 * the Tigase push component sends it and Siskin reads it: `encrypted` (the text), `iv` and
 * `account` at the top level. A VoIP push (a call) has no alert: the app reports the call.
 */
export function buildApnsPayload(n: Notification, voip = false): Record<string, unknown> {
  const aps: Record<string, unknown> = {};
  if (voip) {
    // PushKit hands the whole payload to the app; aps stays empty.
  } else if (n.priority === 'high') {
    const alert: Record<string, string> = { title: n.lastSender ?? GENERIC_TITLE };
    if (n.lastBody !== undefined) alert.body = n.lastBody;
    aps.alert = alert;
    aps.sound = 'default';
    aps['mutable-content'] = 1;
  } else {
    aps['content-available'] = 1;
  }
  const payload: Record<string, unknown> = { aps };
  if (n.messageCount !== undefined) payload['message-count'] = n.messageCount;
  if (n.account !== undefined) payload.account = n.account;
  if (n.encrypted !== undefined) {
    payload.encrypted = n.encrypted.payload;
    const { iv } = n.encrypted.attributes;
    if (iv !== undefined) payload.iv = iv;
  }
  if (n.call !== undefined) {
    if (n.call.sid !== undefined) payload.sid = n.call.sid;
    if (n.call.media !== undefined) payload.media = n.call.media;
  }
  if (n.data !== undefined) payload.data = n.data;
  return payload;
}

/** What node-apn puts in `failed[]` (its typings omit that `status` may be a string). */
interface ApnFailure {
  status?: number | string;
  response?: { reason?: string };
  error?: Error;
}

export function classifyApnsFailure(f: ApnFailure): SendResult {
  const status = typeof f.status === 'number' ? f.status : undefined;
  const reason =
    f.response?.reason ??
    (status === 500 ? 'InternalServerError' : undefined) ??
    f.error?.message ??
    (status !== undefined ? `HTTP ${status}` : 'unknown error');
  if (status === undefined || status === 429 || status >= 500) {
    return { ok: false, kind: 'retry', reason };
  }
  if (status === 410) return { ok: false, kind: 'dead', reason };
  if (status === 400 && DEAD_400_REASONS.has(reason)) {
    return { ok: false, kind: 'dead', reason, maybeConfig: true };
  }
  // node-apn has already regenerated its JWT; the next attempt will carry a fresh one.
  if (status === 403 && reason === 'ExpiredProviderToken') {
    return { ok: false, kind: 'retry', reason };
  }
  return { ok: false, kind: 'rejected', reason };
}

/** The one piece of node-apn's private state `close()` needs (see shutdownApn). */
interface ApnInternals {
  client?: { session?: { destroyed?: boolean } };
}

/**
 * node-apn's shutdown() resolves nothing (it returns undefined despite its typings) and calls
 * back only once http2 `session.close()` calls back, which never happens when the session was
 * already destroyed without being closed (e.g. the connection failed): then there is nothing
 * left to wait for. A timer guards against other such cases.
 */
function shutdownApn(provider: apn.Provider): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, SHUTDOWN_TIMEOUT_MS);
    provider.shutdown(done);
    if ((provider as unknown as ApnInternals).client?.session?.destroyed) done();
  });
}

export function createApnsProvider(options: ApnsOptions): Provider {
  const { log, topic } = options;
  const expirySeconds = options.expirySeconds ?? 86400;
  const production = options.environment === 'production';
  const endpoint = options.endpoint ? new URL(options.endpoint) : undefined;
  const apnProvider = new apn.Provider({
    token: { key: options.key, keyId: options.keyId, teamId: options.teamId },
    production,
    ...(endpoint && {
      address: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : 443,
    }),
    ...(options.ca !== undefined && { ca: [options.ca] }),
    // Retries belong to the relay's queue: node-apn's own retry loop resends 429/5xx at once
    // (it never sees Retry-After, reading the header with the wrong case).
    connectionRetryLimit: 0,
    requestTimeout: options.requestTimeoutMs ?? 5000,
  });
  const slots = createSemaphore(options.maxInFlight ?? 1000);
  const inFlight = new Set<Promise<SendResult>>();
  let closed = false;
  let closing: Promise<void> | undefined;
  log.info(
    { environment: options.environment, endpoint: endpoint?.origin, topic },
    'APNs provider ready',
  );

  function build(message: PushMessage): apn.Notification {
    const n = message.notification;
    const note = new apn.Notification();
    note.topic = message.topic ?? topic;
    // A call is worth nothing late: a VoIP push goes at once or never (expiration 0).
    note.pushType = message.voip ? 'voip' : n.priority === 'high' ? 'alert' : 'background';
    note.priority = message.voip || n.priority === 'high' ? 10 : 5;
    note.expiry = message.voip ? 0 : Math.floor(Date.now() / 1000) + expirySeconds;
    if (message.collapseId !== undefined) note.collapseId = message.collapseId;
    note.rawPayload = buildApnsPayload(n, message.voip);
    return note;
  }

  async function deliver(message: PushMessage): Promise<SendResult> {
    try {
      const res = await apnProvider.send(build(message), message.deviceToken);
      const failure = res.failed[0] as ApnFailure | undefined;
      if (!failure && res.sent.length > 0) return { ok: true };
      return classifyApnsFailure(failure ?? {});
    } catch (err) {
      // node-apn rejects only on programming errors (e.g. bad path); treat as transient.
      return { ok: false, kind: 'retry', reason: err instanceof Error ? err.message : 'error' };
    }
  }

  return {
    name: 'apns',
    maxInFlight: options.maxInFlight ?? 1000,
    async send(message) {
      if (closed) return { ok: false, kind: 'retry', reason: 'provider closed' };
      await slots.acquire();
      try {
        if (closed) return { ok: false, kind: 'retry', reason: 'provider closed' };
        const pending = deliver(message);
        inFlight.add(pending);
        const result = await pending.finally(() => inFlight.delete(pending));
        if (result.ok) log.debug({ priority: message.notification.priority }, 'APNs accepted');
        else log.warn({ kind: result.kind, reason: result.reason }, 'APNs send failed');
        return result;
      } finally {
        slots.release();
      }
    },
    close() {
      closed = true;
      closing ??= (async () => {
        // Drain first: node-apn's shutdown sends GOAWAY, the server answers with its own, and
        // node-apn's goaway handler then destroys the session, killing streams still open.
        await Promise.allSettled(inFlight);
        await shutdownApn(apnProvider);
        log.info('APNs provider closed');
      })();
      return closing;
    },
  };
}
