// The relay client's public API: the typed HTTP client, its errors and types, and the CLI entry.
export { CLIENT_USAGE, type ClientIo, runClientCommand } from './cli.js';
export { createRelayClient, type RelayClient, type RelayClientOptions } from './client.js';
export {
  type FieldErrors,
  RelayAuthError,
  RelayClientError,
  RelayHttpError,
  RelayNetworkError,
  RelayNotFoundError,
  RelayRateLimitError,
  RelayTimeoutError,
  RelayValidationError,
} from './errors.js';
export type {
  Account,
  Device,
  DeviceChanges,
  DeviceKind,
  Message,
  MessageAccepted,
  NewAccount,
  NewDevice,
  NewToken,
  Priority,
  PubsubInfo,
  TokenInfo,
  TokenRequest,
} from './types.js';
export {
  type IssuedToken,
  NS_RELAY,
  type PushMessage,
  type PushRelayClient,
  type PushRelayOptions,
  type PushResult,
  pushRelay,
  RelayStanzaError,
  type Token,
} from './xmpp.js';
