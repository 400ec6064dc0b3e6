// The size a push takes at its provider, written as the providers write it, against their
// limits: APNs 4096 bytes (VoIP 5120), "Sending notification requests to APNs"; FCM 4096 bytes
// of data, "About FCM messages" (keys and values counted).
import type { ProviderName } from '../lib/providers.js';
import { buildApnsPayload } from './apns.js';
import { buildMessage } from './fcm.js';
import type { Notification } from './notification.js';

export const PAYLOAD_LIMITS = { apns: 4096, voip: 5120, fcm: 4096 } as const;

/** Bytes the push of `n` takes at the provider, and the provider's limit for it. */
export function payloadSize(
  provider: ProviderName,
  n: Notification,
  voip = false,
): { bytes: number; limit: number } {
  if (provider === 'apns') {
    const bytes = Buffer.byteLength(JSON.stringify(buildApnsPayload(n, voip)));
    return { bytes, limit: voip ? PAYLOAD_LIMITS.voip : PAYLOAD_LIMITS.apns };
  }
  const data = buildMessage({ deviceToken: '', notification: n }, 0).data ?? {};
  const bytes = Object.entries(data).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  return { bytes, limit: PAYLOAD_LIMITS.fcm };
}
