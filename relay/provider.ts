import type { ProviderName } from '../lib/providers.js';
import type { Notification } from './notification.js';

export type { ProviderName };

export interface PushMessage {
  /** The provider's device token (APNs hex token or FCM registration token). Never logged. */
  deviceToken: string;
  notification: Notification;
  /** Groups notifications that replace each other on the device (APNs collapse id, FCM collapse key). */
  collapseId?: string;
  /** APNs: the app's topic (bundle id, or its `.voip` topic); default: the provider's own. */
  topic?: string;
  /** APNs: a call, sent as a VoIP (PushKit) push. */
  voip?: boolean;
}

/**
 * The outcome of one send, as a value:
 * - `dead`: the provider says the device token is gone (APNs 410 / BadDeviceToken, FCM
 *   UNREGISTERED); the device is retired and never tried again (with `maybeConfig`, only once
 *   it is clear the device is at fault: see config-suspects.ts).
 * - `retry`: transient (429, 5xx, network); try again later, after `retryAfterMs` if given.
 * - `rejected`: the provider refused this message for good (bad payload, bad topic, auth);
 *   retrying the same message would fail the same way.
 */
export type SendResult =
  | { ok: true }
  | {
      ok: false;
      kind: 'dead';
      reason: string;
      /** A wrong topic, key or environment gets the same answer (APNs BadDeviceToken…). */
      maybeConfig?: boolean;
    }
  | { ok: false; kind: 'retry'; reason: string; retryAfterMs?: number }
  | { ok: false; kind: 'rejected'; reason: string };

export interface Provider {
  readonly name: ProviderName;
  /**
   * Sends it takes at once (its connections' capacity); the delivery worker holds the others,
   * so that it can give them back when the connection is in trouble. Default: no limit.
   */
  readonly maxInFlight?: number;
  send(message: PushMessage): Promise<SendResult>;
  close(): Promise<void>;
}
