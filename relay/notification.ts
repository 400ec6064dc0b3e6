/**
 * What the relay delivers: a content-free wake-up by default. Sender and body are set only
 * when the operator opted in and the XMPP server sent them; `encrypted` carries a
 * `tigase:push:encrypt:0` payload through unread.
 */
export interface Notification {
  /** Number of pending messages, when the server said so (mod_push omits it). */
  messageCount?: number;
  lastSender?: string;
  lastBody?: string;
  /** Bare JID of the user, sent only with an encrypted payload: it says whose key opens it. */
  account?: string;
  /** Opaque encrypted payload (base64 text) and its attributes, passed through unchanged. */
  encrypted?: { payload: string; attributes: Record<string, string> };
  /** Free-form data from an HTTP pusher (ChatSecure API `data`, at most 100 characters). */
  data?: string;
  /** A call (XMPP server said so): rings the device's VoIP token where it has one. */
  call?: Call;
  /** `high` wakes the user (alert); `low` is a background wake-up. */
  priority: 'high' | 'low';
}

/** What the user's server said about a call (`tigase:push:jingle:0`). */
export interface Call {
  /** Jingle session id. */
  sid?: string;
  /** Full JID of the caller. */
  initiator?: string;
  /** Media offered (audio, video). */
  media?: string[];
}
