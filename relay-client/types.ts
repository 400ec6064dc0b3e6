// What the relay client returns and accepts: camelCase here, snake_case on the wire.

/** Device kinds as the API names them: `gcm` is Firebase Cloud Messaging (FCM). */
export type DeviceKind = 'apns' | 'gcm';

export type Priority = 'high' | 'low';

export interface Account {
  id: number;
  username: string;
  email: string | null;
  /** A fresh API key, for `Authorization: Token …`; the relay shows it only in this answer. */
  apiKey: string;
  /** `true` when the account was made now (201), `false` when the password logged in (200). */
  created: boolean;
}

export interface NewAccount {
  username: string;
  password: string;
  email?: string;
}

export interface Device {
  id: number;
  name: string | null;
  active: boolean;
  /** The APNs device token or FCM registration token. */
  registrationId: string;
  deviceId: string | null;
  /** ISO 8601. */
  dateCreated: string;
}

export interface NewDevice {
  registrationId: string;
  name?: string;
  deviceId?: string;
  active?: boolean;
}

export type DeviceChanges = Partial<NewDevice>;

/** A whitelist token as listed: the secret itself is not part of it. */
export interface TokenInfo {
  id: number;
  name: string;
  apnsDevice: number | null;
  gcmDevice: number | null;
  dateCreated: string;
  dateExpires: string | null;
}

/** The answer to `createToken`: the only time the relay shows the token (40 hex digits). */
export interface NewToken extends TokenInfo {
  token: string;
}

export type TokenRequest =
  | { apnsDevice: number; gcmDevice?: undefined; name?: string }
  | { gcmDevice: number; apnsDevice?: undefined; name?: string };

export interface Message {
  /** The whitelist token: it alone authorises the push. */
  token: string;
  /** At most 100 characters. */
  data?: string;
  priority?: Priority;
}

export interface MessageAccepted {
  detail: string;
}

export interface PubsubInfo {
  jid: string;
}
