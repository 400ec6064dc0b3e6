/** The push providers a device can be reached through. */
export type ProviderName = 'apns' | 'fcm';

/** What a device token of each provider looks like; anything else is refused before storing. */
export const DEVICE_TOKEN_FORMAT: Record<ProviderName, RegExp> = {
  // APNs: hex, 32 bytes today; Apple says the length may change.
  apns: /^(?:[0-9a-fA-F]{2}){16,100}$/,
  // FCM registration tokens: URL-safe base64 and ':'.
  fcm: /^[A-Za-z0-9_:.-]{16,4096}$/,
};

export const PROVIDER_NAMES: Record<ProviderName, string> = { apns: 'APNs', fcm: 'FCM' };
