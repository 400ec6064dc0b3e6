import { randomBytes } from 'node:crypto';
import type { Logger } from '../app/log.js';
import type { ProviderName } from '../relay/provider.js';
import type { Relay } from '../relay/relay.js';
import { hashSecret, newSecret } from '../relay/tokens.js';
import type { Store } from '../store/types.js';

export interface RegisterInput {
  /** Bare JID of the requesting user. */
  jid: string;
  provider: ProviderName;
  deviceToken: string;
  deviceId: string;
  muc?: string;
}

export interface Registrar {
  register(input: RegisterInput): Promise<{ node: string; secret: string }>;
  /** Removes the device's registrations (and the device); false when there were none. */
  unregister(input: Omit<RegisterInput, 'deviceToken'>): Promise<boolean>;
}

/**
 * Turns an ad-hoc registration into a relay device + whitelist token and a XEP-0357 node and
 * secret. The node is random (unguessable), the secret has 160 random bits and is stored only
 * as a hash. Registering the same device again replaces the previous registration.
 */
export function createRegistrar(o: { store: Store; relay: Relay; log: Logger }): Registrar {
  return {
    async register(input) {
      const { token } = await o.relay.registerDevice({
        owner: input.jid,
        provider: input.provider,
        deviceId: input.deviceId,
        deviceToken: input.deviceToken,
        tokenName: input.muc ? `xmpp:${input.muc}` : 'xmpp',
      });
      const node = randomBytes(16).toString('base64url');
      const secret = newSecret(20);
      const { replaced } = await o.store.registrations.put({
        node,
        secretHash: hashSecret(secret),
        jid: input.jid,
        muc: input.muc,
        provider: input.provider,
        deviceId: input.deviceId,
        relay: 'local',
        token,
        createdAt: Date.now(),
      });
      o.log.info(
        { jid: input.jid, provider: input.provider, muc: input.muc, replaced: replaced.length },
        'registered',
      );
      return { node, secret };
    },
    async unregister(input) {
      const removed = await o.store.registrations.remove({
        owner: input.jid,
        provider: input.provider,
        deviceId: input.deviceId,
        muc: input.muc,
      });
      const others = await o.store.registrations.listByJid(input.jid);
      const deviceStillUsed = others.some(
        (r) => r.provider === input.provider && r.deviceId === input.deviceId,
      );
      const deviceRemoved = deviceStillUsed
        ? false
        : await o.relay.removeDevice(input.jid, input.provider, input.deviceId);
      o.log.info(
        { jid: input.jid, provider: input.provider, removed: removed.length },
        'unregistered',
      );
      return removed.length > 0 || deviceRemoved;
    },
  };
}
