import type { Relay } from './relay.js';
import type { RelayService } from './service.js';

/** The relay in this process, as the component sees it. */
export function createLocalRelay(service: RelayService): Relay {
  return {
    providers: service.providers,
    registerDevice: (d) =>
      service.registerXmppDevice({
        jid: d.owner,
        provider: d.provider,
        deviceId: d.deviceId,
        deviceToken: d.deviceToken,
        tokenName: d.tokenName,
      }),
    removeDevice: (owner, provider, deviceId) =>
      service.removeXmppDevice(owner, provider, deviceId),
    push: (token, notification) => service.push(token, notification),
    revoke: (token) => service.revoke(token),
    describe: (token) => service.describeToken(token),
    revokeFor: (owner, token) => service.revokeXmppToken(owner, token),
    async issueToken(owner, name) {
      const issued = await service.issueXmppToken(owner, name);
      return issued && { token: issued.token, expiresAt: issued.record.expiresAt };
    },
  };
}
