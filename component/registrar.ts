// Ad-hoc registrations (register-push-*) turned into XEP-0357 nodes that point at one target.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/log.js';
import type { ProviderName } from '../lib/providers.js';
import { hashSecret, newSecret } from '../lib/secrets.js';
import type { OverQuota, Quotas } from '../relay/quotas.js';
import type { RelayService } from '../relay/service.js';
import type { Refusal, TokenPush } from '../relay/token-push.js';
import type { DeviceRoute, Registration, Store, Target } from '../store/types.js';

interface Common {
  /** Bare JID of the requesting user. */
  jid: string;
  deviceId: string;
  muc?: string;
}

/** A device of one of this relay's apps, or a whitelist token held by a relay (`local` or remote). */
export type RegisterInput = Common &
  (
    | {
        provider: ProviderName;
        deviceToken: string;
        /** The app (absent: the provider's default app). */
        route?: DeviceRoute & { app: string };
        /** A PushKit token of the same device, for calls (VoIP pushes). */
        voipToken?: string;
      }
    | { provider: 'relay'; relay: string; token: string }
  ) & {
    /** `false`: the node is the credential and no secret is given (Tigase clients enable without one). */
    secret?: boolean;
  };

export interface Registrar {
  /**
   * A new node and secret (none when asked so); a refusal when a token of this relay cannot be
   * used; a quota (registrations per user, devices per account) that a new one would exceed.
   */
  register(
    input: RegisterInput,
  ): Promise<
    | { node: string; secret?: string }
    | Refusal
    | OverQuota<'registrationsPerUser' | 'devicesPerAccount'>
  >;
  /** Removes the device's registrations (and the device); false when there were none. */
  unregister(input: Common & { provider: Registration['provider'] }): Promise<boolean>;
}

/**
 * Turns an ad-hoc registration into a XEP-0357 node and secret bound to one target: the user's
 * device, a token of this relay (by reference: using a token grants no right over it), or a
 * remote relay's token. The node is random (unguessable), the secret has 160 random bits and is
 * stored only as a hash. Registering the same device again replaces the previous registration.
 */
export function createRegistrar(o: {
  store: Store;
  service: RelayService;
  tokenPush: TokenPush;
  quotas: Quotas;
  log: Logger;
}): Registrar {
  async function targetOf(
    input: RegisterInput,
  ): Promise<Target | Refusal | OverQuota<'devicesPerAccount'>> {
    if (input.provider !== 'relay') {
      const { jid, provider, deviceId, deviceToken, route, voipToken } = input;
      const device = await o.service.addXmppDevice({
        jid,
        provider,
        deviceId,
        deviceToken,
        voipToken,
        ...route,
      });
      return 'over' in device ? device : { kind: 'device', device: device.id };
    }
    if (input.relay !== 'local') return { kind: 'remote', relay: input.relay, token: input.token };
    const record = await o.tokenPush.resolve(input.token, `jid:${input.jid}`);
    return 'refused' in record ? record : { kind: 'token', token: record.id };
  }

  return {
    async register(input) {
      const over = await o.quotas.registration(input);
      if (over) return over;
      const target = await targetOf(input);
      if ('refused' in target || 'over' in target) return target;
      const node = randomBytes(16).toString('base64url');
      const secret = input.secret === false ? undefined : newSecret(20);
      const { replaced } = await o.store.registrations.put({
        node,
        secretHash: secret === undefined ? '' : hashSecret(secret),
        jid: input.jid,
        muc: input.muc,
        provider: input.provider,
        deviceId: input.deviceId,
        target,
        createdAt: Date.now(),
      });
      o.log.info(
        {
          jid: input.jid,
          provider: input.provider,
          target: target.kind,
          replaced: replaced.length,
        },
        'registered',
      );
      return { node, ...(secret !== undefined && { secret }) };
    },
    async unregister(input) {
      const removed = await o.store.registrations.remove(input);
      let deviceRemoved = false;
      if (input.provider !== 'relay') {
        const others = await o.store.registrations.listByJid(input.jid);
        const stillUsed = others.some(
          (r) => r.provider === input.provider && r.deviceId === input.deviceId,
        );
        if (!stillUsed) {
          deviceRemoved = await o.service.removeXmppDevice(
            input.jid,
            input.provider,
            input.deviceId,
          );
        }
      }
      o.log.info(
        { jid: input.jid, provider: input.provider, removed: removed.length },
        'unregistered',
      );
      return removed.length > 0 || deviceRemoved;
    },
  };
}
