// The names the relay gives the accounts and devices it makes itself.
import { createHash } from 'node:crypto';

/** Accounts made for XMPP users live in their own namespace: HTTP usernames cannot hold ':'. */
export const xmppAccountName = (jid: string) => `xmpp:${jid}`;

/** The account holding the devices of a stateless app (HTTP usernames cannot hold ':'). */
export const statelessAccountName = (app: string) => `stateless:${app}`;

/** A deviceId for a device known by its token alone (its token's hash: the id shows no token). */
export const tokenDeviceId = (deviceToken: string) =>
  `token:${createHash('sha256').update(deviceToken).digest('hex').slice(0, 32)}`;

/** The deviceId of the VoIP (PushKit) token registered along with device `deviceId`. */
export const voipDeviceId = (deviceId: string) => `${deviceId}#voip`;
