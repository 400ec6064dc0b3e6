import { randomBytes } from 'node:crypto';
import type { Logger } from '../app/log.js';
import type { ProviderName } from '../relay/provider.js';
import type { Relay } from '../relay/relay.js';
import { hashSecret, newSecret } from '../lib/secrets.js';
import type { Registration, Store } from '../store/types.js';
import { isCollected } from './token-collector.js';

interface Common {
  /** Bare JID of the requesting user. */
  jid: string;
  deviceId: string;
  muc?: string;
}

/** A device of this relay's APNs/FCM, or a whitelist token held by a relay (`local` or remote). */
export type RegisterInput = Common &
  (
    | { provider: ProviderName; deviceToken: string }
    | { provider: 'relay'; relay: string; token: string }
  );

export interface Registrar {
  register(input: RegisterInput): Promise<{ node: string; secret: string }>;
  /** Removes the device's registrations (and the device); false when there were none. */
  unregister(input: Common & { provider: Registration['provider'] }): Promise<boolean>;
}

/**
 * Turns an ad-hoc registration into a XEP-0357 node and secret bound to a relay token. The node
 * is random (unguessable), the secret has 160 random bits and is stored only as a hash.
 * Registering the same device again replaces the previous registration and revokes its token.
 */
export function createRegistrar(o: {
  store: Store;
  relays: ReadonlyMap<string, Relay>;
  log: Logger;
}): Registrar {
  const local = o.relays.get('local');
  if (!local) throw new Error('the local relay is required');
  // Tokens collected from a user's client are theirs to revoke, not ours.
  const revoke = (regs: Registration[]) =>
    Promise.all(
      regs.filter((r) => !isCollected(r)).map((r) => o.relays.get(r.relay)?.revoke(r.token)),
    );

  return {
    async register(input) {
      const target =
        input.provider === 'relay'
          ? { relay: input.relay, token: input.token }
          : {
              relay: 'local',
              token: (
                await local.registerDevice({
                  owner: input.jid,
                  provider: input.provider,
                  deviceId: input.deviceId,
                  deviceToken: input.deviceToken,
                  tokenName: input.muc ? `xmpp:${input.muc}` : 'xmpp',
                })
              ).token,
            };
      const node = randomBytes(16).toString('base64url');
      const secret = newSecret(20);
      const { replaced } = await o.store.registrations.put({
        node,
        secretHash: hashSecret(secret),
        jid: input.jid,
        muc: input.muc,
        provider: input.provider,
        deviceId: input.deviceId,
        ...target,
        createdAt: Date.now(),
      });
      await revoke(replaced);
      o.log.info(
        {
          jid: input.jid,
          provider: input.provider,
          relay: target.relay,
          replaced: replaced.length,
        },
        'registered',
      );
      return { node, secret };
    },
    async unregister(input) {
      const removed = await o.store.registrations.remove(input);
      await revoke(removed);
      let deviceRemoved = false;
      if (input.provider !== 'relay') {
        const others = await o.store.registrations.listByJid(input.jid);
        const stillUsed = others.some(
          (r) => r.provider === input.provider && r.deviceId === input.deviceId,
        );
        if (!stillUsed)
          deviceRemoved = await local.removeDevice(input.jid, input.provider, input.deviceId);
      }
      o.log.info(
        { jid: input.jid, provider: input.provider, removed: removed.length },
        'unregistered',
      );
      return removed.length > 0 || deviceRemoved;
    },
  };
}
